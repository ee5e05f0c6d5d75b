using System.Globalization;
using System.Text;
using Strangler.Proxy.Health;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Stats;

/// <summary>Renders the statistics for /admin/stats (JSON) and /metrics (Prometheus text format).</summary>
internal sealed class StatsReport(ProxyStats stats, RouteTableHolder table, ServiceHealth health, Safety.CanaryGuard guard)
{
    private static readonly double[] Quantiles = [0.5, 0.95, 0.99];

    public object Build()
    {
        var current = table.Current;
        var routeIds = current.Routes.Select(r => r.Id).Append(ProxyStats.Unmatched)
            .Concat(stats.Requests.Select(r => r.Key.Route)).Distinct(StringComparer.Ordinal);
        return new
        {
            version = current.Version,
            routes = routeIds.Select(id =>
            {
                var route = current.Find(id);
                var shadow = stats.Shadow.FirstOrDefault(s => s.Key == id).Value;
                return new
                {
                    id,
                    stage = route?.Stage.ToString().ToLowerInvariant(),
                    weight = route?.Definition.Weight,
                    autoRollbacks = guard.RollbacksFor(id),
                    backends = stats.Requests.Where(r => r.Key.Route == id)
                        .ToDictionary(r => r.Key.Backend.ToString().ToLowerInvariant(), r => Describe(r.Value)),
                    shadow = shadow is null ? null : new
                    {
                        matches = shadow.Matches,
                        mismatches = shadow.Mismatches,
                        serviceErrors = shadow.ServiceErrors,
                        skipped = shadow.Skipped,
                        dropped = shadow.Dropped,
                        samples = shadow.Samples(),
                    },
                };
            }).ToList(),
            health = health.Snapshot(),
        };
    }

    public string Prometheus()
    {
        var text = new StringBuilder();
        text.AppendLine("# HELP strangler_requests_total Proxied requests by route, backend and status class.");
        text.AppendLine("# TYPE strangler_requests_total counter");
        foreach (var ((route, backend), s) in stats.Requests)
        {
            for (var digit = 1; digit <= 5; digit++)
            {
                Line(text, "strangler_requests_total", route, backend, $",status_class=\"{digit}xx\"", s.StatusClass(digit));
            }
        }

        text.AppendLine("# HELP strangler_transport_errors_total Requests whose backend could not be reached or timed out.");
        text.AppendLine("# TYPE strangler_transport_errors_total counter");
        foreach (var ((route, backend), s) in stats.Requests)
        {
            Line(text, "strangler_transport_errors_total", route, backend, "", s.TransportErrors);
        }

        text.AppendLine("# HELP strangler_request_duration_seconds Request latency through the proxy.");
        text.AppendLine("# TYPE strangler_request_duration_seconds summary");
        foreach (var ((route, backend), s) in stats.Requests)
        {
            foreach (var q in Quantiles)
            {
                Line(text, "strangler_request_duration_seconds", route, backend, $",quantile=\"{q.ToString(CultureInfo.InvariantCulture)}\"", s.Latency.Percentile(q) / 1000);
            }

            Line(text, "strangler_request_duration_seconds_count", route, backend, "", s.Latency.Count);
        }

        text.AppendLine("# HELP strangler_shadow_comparisons_total Shadow comparisons by route and result.");
        text.AppendLine("# TYPE strangler_shadow_comparisons_total counter");
        foreach (var (route, s) in stats.Shadow)
        {
            foreach (var (result, value) in new[] { ("match", s.Matches), ("mismatch", s.Mismatches), ("service_error", s.ServiceErrors), ("skipped", s.Skipped), ("dropped", s.Dropped) })
            {
                text.Append(CultureInfo.InvariantCulture, $"strangler_shadow_comparisons_total{{route=\"{Escape(route)}\",result=\"{result}\"}} {value}\n");
            }
        }

        text.AppendLine("# HELP strangler_route_stage Current stage of each route (1 for the active stage), and canary weight.");
        text.AppendLine("# TYPE strangler_route_stage gauge");
        foreach (var route in table.Current.Routes)
        {
            foreach (var stage in Enum.GetValues<Stage>())
            {
                text.Append(CultureInfo.InvariantCulture, $"strangler_route_stage{{route=\"{Escape(route.Id)}\",stage=\"{stage.ToString().ToLowerInvariant()}\"}} {(route.Stage == stage ? 1 : 0)}\n");
            }

            text.Append(CultureInfo.InvariantCulture, $"strangler_route_canary_weight{{route=\"{Escape(route.Id)}\"}} {route.Definition.Weight}\n");
        }

        return text.ToString();
    }

    private static object Describe(RouteBackendStats s) => new
    {
        requests = s.Requests,
        status = Enumerable.Range(1, 5).ToDictionary(d => $"{d}xx", s.StatusClass),
        transportErrors = s.TransportErrors,
        latencyMs = new { p50 = s.Latency.Percentile(0.5), p95 = s.Latency.Percentile(0.95), p99 = s.Latency.Percentile(0.99) },
    };

    private static void Line(StringBuilder text, string name, string route, Backend backend, string extra, double value) =>
        text.Append(CultureInfo.InvariantCulture, $"{name}{{route=\"{Escape(route)}\",backend=\"{backend.ToString().ToLowerInvariant()}\"{extra}}} {value}\n");

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
