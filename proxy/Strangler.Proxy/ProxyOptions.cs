using Strangler.Proxy.Admin;
using Strangler.Proxy.Cohorts;
using Strangler.Proxy.Health;
using Strangler.Proxy.Persistence;
using Strangler.Proxy.Routing;
using Strangler.Proxy.Safety;
using Strangler.Proxy.Shadowing;

namespace Strangler.Proxy;

/// <summary>The proxy's configuration (<c>Proxy</c> section); every key is documented in docs/configuration.md.</summary>
public sealed class ProxyOptions
{
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

    public AdminOptions Admin { get; set; } = new();

    public CohortOptions Cohorts { get; set; } = new();

    public HealthOptions Health { get; set; } = new();

    public CanaryOptions Canary { get; set; } = new();

    public ShadowOptions Shadow { get; set; } = new();

    public RouteStoreOptions Store { get; set; } = new();

    public Handoff.HandoffOptions Handoff { get; set; } = new();

    public Handoff.ReadYourWritesOptions ReadYourWrites { get; set; } = new();

    /// <summary>Initial routes, used only when the route store is empty (first start).</summary>
    public List<RouteDefinition> Routes { get; set; } = [];
}
