using Prometheus;
using Strangler.Proxy.Health;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Stats;

/// <summary>Renders the statistics for /admin/stats (JSON) and /metrics (Prometheus text format, through prometheus-net).</summary>
internal sealed class StatsReport
{
    private readonly ProxyStats _stats;
    private readonly RouteTableHolder _table;
    private readonly ServiceHealth _health;
    private readonly Safety.CanaryGuard _guard;
    private readonly RouteChangeService _changes;
    private readonly ProxyMetrics _metrics;
    private readonly Handoff.HandoffCoordinator _handoffs;
    private readonly Handoff.ReadYourWrites _readYourWrites;
    private readonly Handoff.WriteGates _gates;
    private readonly Counter _requests;
    private readonly Counter _transportErrors;
    private readonly Counter _shadow;
    private readonly Counter _autoRollbacks;
    private readonly Gauge _stage;
    private readonly Gauge _weight;
    private readonly Gauge _destinationHealthy;
    private readonly Gauge _storeProblem;
    private readonly Gauge _tableVersion;

    public StatsReport(
        ProxyStats stats, RouteTableHolder table, ServiceHealth health, Safety.CanaryGuard guard, RouteChangeService changes, ProxyMetrics metrics,
        Handoff.HandoffCoordinator handoffs, Handoff.ReadYourWrites readYourWrites, Handoff.WriteGates gates)
    {
        _handoffs = handoffs;
        _gates = gates;
        _readYourWrites = readYourWrites;
        _stats = stats;
        _table = table;
        _health = health;
        _guard = guard;
        _changes = changes;
        _metrics = metrics;
        var factory = metrics.Factory;
        _requests = factory.CreateCounter("strangler_requests_total", "Proxied requests by route, backend and status class.", ["route", "backend", "status_class"]);
        _transportErrors = factory.CreateCounter(
            "strangler_transport_errors_total", "Requests whose backend could not be reached or timed out.", ["route", "backend"]);
        _shadow = factory.CreateCounter("strangler_shadow_comparisons_total",
            "Shadow copies by route and outcome: match, mismatch, service_error, skipped (not comparable), dropped (queue full), discarded (route left shadow).",
            ["route", "result"]);
        _autoRollbacks = factory.CreateCounter("strangler_canary_auto_rollbacks_total", "Automatic canary rollbacks decided by the canary guard.", ["route"]);
        _stage = factory.CreateGauge("strangler_route_stage", "Current stage of each route: 1 for the active stage, 0 for the others.", ["route", "stage"]);
        _weight = factory.CreateGauge("strangler_route_canary_weight", "Canary weight of each route, percent of user cohorts (0 unless at canary).", ["route"]);
        _destinationHealthy = factory.CreateGauge("strangler_destination_healthy", "1 while a service destination is healthy, 0 while it is ejected.", ["destination"]);
        _storeProblem = factory.CreateGauge("strangler_route_store_problem", "1 while the stored route table cannot be used (the proxy serves its last good table).");
        _tableVersion = factory.CreateGauge("strangler_route_table_version", "Version of the route table being served.");
        metrics.Registry.AddBeforeCollectCallback(Refresh);
    }

    public StatsResponse Build()
    {
        var current = _table.Current;
        var routeIds = current.Routes.Select(r => r.Id).Append(ProxyStats.Unmatched)
            .Concat(_stats.Requests.Select(r => r.Key.Route)).Distinct(StringComparer.Ordinal);
        var routes = routeIds.Select(id =>
        {
            var route = current.Find(id);
            var shadow = _stats.Shadow.FirstOrDefault(s => s.Key == id).Value;
            return new RouteStatsEntry(
                id,
                route is null ? null : StageNames.Name(route.Stage),
                route is null ? null : OwnerNames.Name(route.Definition.Owner),
                _handoffs.LastReports.FirstOrDefault(h => h.Route == id),
                WriteHold(id),
                _readYourWrites.RedirectsFor(id),
                route?.Definition.Weight,
                _guard.RollbacksFor(id),
                _stats.Requests.Where(r => r.Key.Route == id).ToDictionary(r => ProxyMetrics.BackendName(r.Key.Backend), r => Describe(r.Value)),
                shadow is null ? null : new ShadowSummary(
                    shadow.Matches, shadow.Mismatches, shadow.ServiceErrors, shadow.Skipped, shadow.Dropped, shadow.Discarded, shadow.Samples()));
        }).ToList();
        var store = _changes.LastStoreProblem is { } problem ? new RouteStoreStatus(false, problem.At, problem.Error) : new RouteStoreStatus(true);
        return new StatsResponse(current.Version, store, routes, _health.Snapshot());
    }

    /// <summary>This replica's hold of the route's writes: held now, and how many writes waited or were refused so far (its own handoffs and other replicas').</summary>
    private WriteHoldStats? WriteHold(string id)
    {
        var gate = _gates.All.FirstOrDefault(g => g.Key == id).Value;
        if (gate is null)
        {
            return null;
        }

        var (held, refused) = gate.Counts;
        return new WriteHoldStats(gate.IsHeld, held, refused);
    }

    /// <summary>Writes the Prometheus text exposition format.</summary>
    public Task WritePrometheusAsync(Stream output, CancellationToken cancellationToken) =>
        _metrics.Registry.CollectAndExportAsTextAsync(output, cancellationToken);

    private void Refresh()
    {
        foreach (var ((route, backend), s) in _stats.Requests)
        {
            var name = ProxyMetrics.BackendName(backend);
            for (var digit = 1; digit <= 5; digit++)
            {
                _requests.WithLabels(route, name, $"{digit}xx").IncTo(s.StatusClass(digit));
            }

            _transportErrors.WithLabels(route, name).IncTo(s.TransportErrors);
        }

        foreach (var (route, s) in _stats.Shadow)
        {
            _shadow.WithLabels(route, "match").IncTo(s.Matches);
            _shadow.WithLabels(route, "mismatch").IncTo(s.Mismatches);
            _shadow.WithLabels(route, "service_error").IncTo(s.ServiceErrors);
            _shadow.WithLabels(route, "skipped").IncTo(s.Skipped);
            _shadow.WithLabels(route, "dropped").IncTo(s.Dropped);
            _shadow.WithLabels(route, "discarded").IncTo(s.Discarded);
        }

        var table = _table.Current;
        var live = table.Routes.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var labels in _stage.GetAllLabelValues().Where(l => !live.Contains(l[0])).ToList())
        {
            _stage.RemoveLabelled(labels);
        }

        foreach (var labels in _weight.GetAllLabelValues().Where(l => !live.Contains(l[0])).ToList())
        {
            _weight.RemoveLabelled(labels);
        }

        foreach (var route in table.Routes)
        {
            foreach (var stage in Enum.GetValues<Stage>())
            {
                _stage.WithLabels(route.Id, StageNames.Name(stage)).Set(route.Stage == stage ? 1 : 0);
            }

            _weight.WithLabels(route.Id).Set(route.Stage == Stage.Canary ? route.Definition.Weight : 0);
            _autoRollbacks.WithLabels(route.Id).IncTo(_guard.RollbacksFor(route.Id));
        }

        foreach (var (destination, healthy) in _health.Snapshot())
        {
            _destinationHealthy.WithLabels(destination).Set(healthy ? 1 : 0);
        }

        _storeProblem.Set(_changes.LastStoreProblem is null ? 0 : 1);
        _tableVersion.Set(table.Version);
    }

    private static BackendStats Describe(RouteBackendStats s) => new(
        s.Requests,
        Enumerable.Range(1, 5).ToDictionary(d => $"{d}xx", s.StatusClass),
        s.TransportErrors,
        new LatencyPercentiles(s.Latency.Percentile(0.5), s.Latency.Percentile(0.95), s.Latency.Percentile(0.99)));
}
