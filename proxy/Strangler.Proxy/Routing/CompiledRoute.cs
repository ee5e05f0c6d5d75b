using System.Text.Json;
using Yarp.ReverseProxy.Forwarder;

namespace Strangler.Proxy.Routing;

/// <summary>A <see cref="RouteDefinition"/> prepared for the request path: parsed pattern, method sets, destinations.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification =
    "The retirement source has no timer and its wait handle is never created: nothing to release, and a table swap must not dispose a source a request still reads.")]
internal sealed class CompiledRoute
{
    private readonly PathMatcher _matcher;
    private readonly HashSet<string>? _methods;
    private readonly CancellationTokenSource _retired = new();

    /// <summary>Compiles a route that <see cref="RouteValidator"/> accepted; throws on anything it cannot use.</summary>
    public CompiledRoute(RouteDefinition definition)
    {
        Definition = definition;
        Canonical = JsonSerializer.Serialize(definition, ProxyJson.Options);
        _matcher = new PathMatcher(RouteValidator.ParsePattern(definition.Path));
        _methods = definition.Methods.Count == 0 ? null : new HashSet<string>(definition.Methods, StringComparer.OrdinalIgnoreCase);
        ShadowMethods = new HashSet<string>(definition.Shadow.Methods, StringComparer.OrdinalIgnoreCase);
        IgnoredFields = new HashSet<string>(definition.Shadow.IgnoredFields, StringComparer.Ordinal);
        // YARP appends the request path to the prefix: keep prefixes without a trailing slash.
        Destinations = definition.Destinations.Select(d => d.TrimEnd('/')).ToArray();
        HealthUrls = Destinations.Select(d => d + definition.HealthPath).ToArray();
        Timeout = TimeSpan.FromSeconds(definition.TimeoutSeconds);
        RequestConfig = new ForwarderRequestConfig { ActivityTimeout = Timeout };
    }

    public RouteDefinition Definition { get; }

    /// <summary>The definition as JSON: two tables holding an equal route share one compiled instance.</summary>
    public string Canonical { get; }

    public string Id => Definition.Id;

    public Stage Stage => Definition.Stage;

    public IReadOnlySet<string> ShadowMethods { get; }

    public IReadOnlySet<string> IgnoredFields { get; }

    public string[] Destinations { get; }

    /// <summary>Each destination's health URL (same order as <see cref="Destinations"/>).</summary>
    public string[] HealthUrls { get; }

    public TimeSpan Timeout { get; }

    /// <summary>Forwarding settings (the route's timeout), built once per table rather than per request.</summary>
    public ForwarderRequestConfig RequestConfig { get; }

    /// <summary>
    /// Cancelled once a table without this exact route is live: work started for the old definition (queued
    /// or in-flight shadow copies) stops instead of reaching a service the route no longer sends to.
    /// </summary>
    public CancellationToken Retired => _retired.Token;

    public void Retire() => _retired.Cancel();

    public bool Matches(HttpRequest request)
    {
        if (_methods is not null && !_methods.Contains(request.Method))
        {
            return false;
        }

        if (Definition.Header is { } header && request.Headers[header.Name] != header.Value)
        {
            return false;
        }

        return _matcher.Matches(request.Path);
    }
}
