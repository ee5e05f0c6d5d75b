using Prometheus;
using Strangler.Cdc.Apply;

namespace Strangler.Cdc.Sync;

/// <summary>The sync's figures in Prometheus form, read from the runner's status at scrape time (nothing on the apply path).</summary>
public sealed class SyncMetrics
{
    /// <summary>Creates the sync's series for <paramref name="service"/>, read from <paramref name="runner"/>'s status at each scrape.</summary>
    public SyncMetrics(SyncRunner runner, string service)
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        var applied = factory.CreateCounter("strangler_sync_events_applied_total", "Change events applied to the service's store.", ["service"]);
        var stale = factory.CreateCounter("strangler_sync_events_stale_total", "Change events skipped because their row already reflected them (replays).", ["service"]);
        var dead = factory.CreateCounter("strangler_sync_dead_letters_total", "Change events dead-lettered (kept in the store with their reason).", ["service"]);
        var lag = factory.CreateGauge("strangler_sync_lag_seconds", "Now minus the commit time of the newest applied change (0 when caught up).", ["service"]);
        var lsn = factory.CreateGauge("strangler_sync_applied_lsn", "WAL position applied, as a number.", ["service"]);
        var state = factory.CreateGauge("strangler_sync_state", "1 for the sync's current state.", ["service", "state"]);
        var violations = factory.CreateCounter("strangler_sync_single_writer_violations_total",
            "Legacy changes to a resource the service owns that did not come from the reverse sync (a second writer).", ["service"]);
        Registry.AddBeforeCollectCallback(() =>
        {
            var status = runner.Status;
            applied.WithLabels(service).IncTo(status.EventsApplied);
            stale.WithLabels(service).IncTo(status.EventsStale);
            dead.WithLabels(service).IncTo(status.DeadLetters);
            violations.WithLabels(service).IncTo(status.SingleWriterViolations);
            lag.WithLabels(service).Set((status.LagMilliseconds ?? double.NaN) / 1000);
            lsn.WithLabels(service).Set(status.AppliedLsn);
            foreach (var name in Enum.GetNames<SyncState>())
            {
                state.WithLabels(service, name.ToLowerInvariant()).Set(name.Equals(status.State, StringComparison.OrdinalIgnoreCase) ? 1 : 0);
            }
        });
    }

    /// <summary>The registry /metrics exports.</summary>
    public CollectorRegistry Registry { get; }
}
