using System.Collections.Concurrent;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Stats;

/// <summary>All request and shadow statistics, per route × backend; read by /admin/stats and /metrics.</summary>
internal sealed class ProxyStats(Microsoft.Extensions.Options.IOptions<ProxyStatsOptions> options, ProxyMetrics metrics)
{
    /// <summary>Route id used for requests no route matched.</summary>
    public const string Unmatched = "(unmatched)";

    private readonly ConcurrentDictionary<(string Route, Backend Backend), RouteBackendStats> _requests = new();
    private readonly ConcurrentDictionary<string, ShadowStats> _shadow = new(StringComparer.Ordinal);
    private readonly int _sampleSize = options.Value.DiffSampleSize;

    public RouteBackendStats For(string route, Backend backend) =>
        _requests.GetOrAdd((route, backend), static (key, m) => new RouteBackendStats(m.LatencyFor(key.Route, key.Backend)), metrics);

    public ShadowStats ShadowFor(string route) => _shadow.GetOrAdd(route, _ => new ShadowStats(_sampleSize));

    public IEnumerable<KeyValuePair<(string Route, Backend Backend), RouteBackendStats>> Requests => _requests;

    public IEnumerable<KeyValuePair<string, ShadowStats>> Shadow => _shadow;
}
