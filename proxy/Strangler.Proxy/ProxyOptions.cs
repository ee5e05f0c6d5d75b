using Strangler.Proxy.Routing;

namespace Strangler.Proxy;

/// <summary>
/// The proxy's own keys of the <c>Proxy</c> section; each feature binds its own sub-section (Proxy:Admin,
/// Proxy:Store, Proxy:Health, …) where it registers itself. Every key is documented in docs/configuration.md.
/// </summary>
public sealed class ProxyOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "Proxy";

    /// <summary>
    /// This proxy's name in the Via header it adds to forwarded requests; a request arriving with it already
    /// looped back and is refused (508). Replicas share it; chained strangler proxies need different names.
    /// </summary>
    public string Name { get; set; } = "strangler";

    /// <summary>The monolith: every request no route sends elsewhere goes here.</summary>
    public string LegacyUrl { get; set; } = "http://127.0.0.1:5080";

    /// <summary>Public listener (clients' traffic).</summary>
    public string Listen { get; set; } = "http://127.0.0.1:5000";

    /// <summary>Timeout for requests no route matched, seconds.</summary>
    public int LegacyTimeoutSeconds { get; set; } = 100;

    /// <summary>Add <c>X-Strangler-Backend: legacy|service</c> to responses.</summary>
    public bool BackendHeader { get; set; } = true;

    /// <summary>Initial routes, used only when the route store is empty (first start).</summary>
    public List<RouteDefinition> Routes { get; set; } = [];
}
