using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Strangler.Proxy.Health;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Handoff;

/// <summary>How a handoff ended.</summary>
public enum HandoffOutcome
{
    /// <summary>The owner changed; the held writes went to the new owner.</summary>
    Completed,

    /// <summary>The route already had that owner: nothing was held.</summary>
    Unchanged,

    /// <summary>Refused before anything was held (route, configuration, or the sync not ready).</summary>
    Refused,

    /// <summary>Stopped after writes were held: the owner is unchanged and the held writes went to it.</summary>
    Aborted,

    /// <summary>The route store could not record the new owner: nothing changed.</summary>
    StoreUnavailable,

    /// <summary>No such route.</summary>
    NotFound,
}

/// <summary>One handoff's report (admin API, /admin/stats).</summary>
public sealed record HandoffReport(
    string Route, string From, string To, HandoffOutcome Outcome, string Detail, string? Fence, double HoldMilliseconds,
    long HeldWrites, long RefusedWrites, DateTimeOffset At);

/// <summary>
/// The LSN-fenced write-ownership handoff of a route, legacy → service (design.md, "The cutover model", step 4):
/// check before holding that the service's sync is healthy and reaches legacy's current position; hold new writes
/// (<see cref="WriteGate"/>) and let the ones in flight finish; read legacy's WAL position — the fence; wait until
/// the service has applied everything up to it; record the new owner (persisted, audited, shared by replicas like
/// the stage); release the held writes, which then go to the new owner. Any step failing or timing out releases
/// the held writes to the unchanged owner. The way back (service → legacy) is the same with the service's reverse
/// sync in the sync's place: the fence is the position of the newest write in the service's outbox, and the handback
/// waits until legacy has it; it is refused while the service reports no reverse sync (its writes would be lost).
/// </summary>
internal sealed class HandoffCoordinator(
    RouteTableHolder table, RouteChangeService changes, WriteGates gates, IReplicaHolds replicas, ServiceHealth health, OwnerNotices notices,
    IOptions<HandoffOptions> options, TimeProvider time, ILogger<HandoffCoordinator> logger) : IDisposable
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Dictionary<string, HandoffReport> _last = new(StringComparer.Ordinal);

    private HandoffOptions Settings => options.Value;

    public IReadOnlyList<HandoffReport> LastReports
    {
        get
        {
            lock (_last)
            {
                return _last.Values.OrderBy(r => r.Route, StringComparer.Ordinal).ToList();
            }
        }
    }

    public async Task<HandoffReport> HandOffAsync(string id, WriteOwner to, string? reason, string actor, CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            var report = await RunAsync(id, to, reason, actor, cancellationToken);
            if (report.Outcome is not HandoffOutcome.NotFound)
            {
                lock (_last)
                {
                    _last[id] = report;
                }
            }

            logger.Log(report.Outcome is HandoffOutcome.Completed or HandoffOutcome.Unchanged ? LogLevel.Information : LogLevel.Warning,
                "Handoff of {RouteId} {From} → {To}: {Outcome}: {Detail} (fence {Fence}, writes held {HoldMs:F1} ms, {Held} held, {Refused} refused)",
                id, report.From, report.To, report.Outcome, report.Detail, report.Fence, report.HoldMilliseconds, report.HeldWrites, report.RefusedWrites);
            return report;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private async Task<HandoffReport> RunAsync(string id, WriteOwner to, string? reason, string actor, CancellationToken cancellationToken)
    {
        var route = table.Current.Find(id);
        var from = route?.Definition.Owner ?? WriteOwner.Legacy;
        HandoffReport Report(HandoffOutcome outcome, string detail, string? fence = null, double holdMs = 0, long held = 0, long refused = 0) =>
            new(id, OwnerNames.Name(from), OwnerNames.Name(to), outcome, detail, fence, holdMs, held, refused, time.GetUtcNow());

        if (route is null)
        {
            return Report(HandoffOutcome.NotFound, $"Route '{id}' does not exist.");
        }

        if (from == to)
        {
            return Report(HandoffOutcome.Unchanged, $"Route '{id}' is already written by {OwnerNames.Name(to)}.");
        }

        if (Settings.LegacyConnectionString.Length == 0)
        {
            return Report(HandoffOutcome.Refused,
                "Handoffs need the monolith's database for the fence: set Proxy:Handoff:LegacyConnectionString (only its WAL position is read).");
        }

        if (to == WriteOwner.Service && route.Stage != Stage.Service)
        {
            return Report(HandoffOutcome.Refused,
                $"Route '{id}' serves its reads at {StageNames.Name(route.Stage)}: writes move after reads (a user writing to the service and " +
                "reading from legacy could miss their own write). Move reads to the service first (stage service), then hand the writes over.");
        }

        if (health.PickHealthy(route.Destinations) is not { } destination)
        {
            return Report(HandoffOutcome.Refused, $"Route '{id}' has no healthy service destination.");
        }

        // Check before you hold: the sync must be healthy and reach legacy's current position quickly.
        var gate = gates.For(id);
        string? fenceText = null;
        try
        {
            var probe = await PositionAsync(destination, to, cancellationToken);
            if (probe is null)
            {
                return Report(HandoffOutcome.Refused,
                    $"The service at {destination} reports no reverse sync: writes it took would not reach legacy, so handing writes back would lose them. Keep the service as owner.");
            }

            if (await WaitForAsync(destination, to, probe.Value, Settings.PrecheckMilliseconds, cancellationToken) is { } notReady)
            {
                return Report(HandoffOutcome.Refused, $"The {(to == WriteOwner.Service ? "service's sync" : "reverse sync")} is not ready, so nothing was held: {notReady}");
            }
        }
        catch (Exception e) when (e is NpgsqlException or HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return Report(HandoffOutcome.Refused, $"Nothing was held: {e.Message}");
        }

        // Held writes wait at most MaxHold, and a write refused is a failed request: the hold itself ends — completed or
        // aborted, the held writes then going to the owner of the moment — before the first of them would be refused.
        // Counted from the moment other replicas may start holding.
        var holding = Stopwatch.GetTimestamp();
        var budget = HoldBudget(Settings);
        using var holdLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        holdLimit.CancelAfter(budget);

        // Every replica forwarding the route's writes holds them, not only this one (Postgres store; the file store has one proxy).
        SharedHold shared;
        try
        {
            shared = await replicas.BeginAsync(id, TimeSpan.FromMilliseconds(
                Settings.DrainMilliseconds + Settings.FenceMilliseconds + 2.0 * Settings.ReplicaLeaseMilliseconds), cancellationToken);
        }
        catch (HoldRefusedException e)
        {
            return Report(HandoffOutcome.Refused, e.Message);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            return Report(HandoffOutcome.Refused, $"Nothing was held: the other proxy replicas could not be asked to hold the route's writes: {e.Message}");
        }

        var (heldBefore, refusedBefore) = gate.Counts;
        gate.Hold();
        var step = "waiting for the writes in flight";
        try
        {
            var drainStarted = Stopwatch.GetTimestamp();
            try
            {
                await gate.DrainedAsync().WaitAsync(TimeSpan.FromMilliseconds(Settings.DrainMilliseconds), holdLimit.Token);
            }
            catch (TimeoutException)
            {
                return Aborted($"writes in flight did not finish within {Settings.DrainMilliseconds} ms.");
            }

            var drainLeft = TimeSpan.FromMilliseconds(Settings.DrainMilliseconds) - Stopwatch.GetElapsedTime(drainStarted);
            if (await replicas.WaitDrainedAsync(shared, drainLeft > TimeSpan.Zero ? drainLeft : TimeSpan.Zero, holdLimit.Token) is { } notDrained)
            {
                return Aborted(notDrained);
            }

            // The fence: for legacy → service, legacy's WAL position; for service → legacy, the service's last write in its outbox.
            step = "reading the fence";
            var fence = await PositionAsync(destination, to, holdLimit.Token) ?? new FencePosition(0, 0);
            fenceText = to == WriteOwner.Service ? new NpgsqlLogSequenceNumber(fence.Position).ToString() : fence.Position.ToString(CultureInfo.InvariantCulture);
            step = $"waiting for the new owner to apply everything up to the fence {fenceText}";
            if (await WaitForAsync(destination, to, fence, Settings.FenceMilliseconds, holdLimit.Token) is { } behind)
            {
                return Aborted($"the new owner did not apply everything up to the fence {fenceText} in time: {behind}");
            }

            // The other replicas hold until the shared hold expires: flip only well before that.
            step = "checking the other replicas' hold";
            if (await replicas.TimeLeftAsync(shared, holdLimit.Token) < TimeSpan.FromMilliseconds(Settings.ReplicaLeaseMilliseconds))
            {
                return Aborted("the other proxy replicas' hold of the route's writes was about to expire.");
            }

            // From here on the flip is not interrupted: the budget kept its reserve for it.
            var result = await changes.SetOwnerAsync(id, to, to == WriteOwner.Service ? fence.Position : null, reason ?? $"handoff at fence {fenceText}", actor, cancellationToken);
            if (result.Failure != RouteChangeFailure.None)
            {
                return Aborted($"the new owner could not be recorded: {result.Detail}",
                    result.Failure == RouteChangeFailure.Unavailable ? HandoffOutcome.StoreUnavailable : HandoffOutcome.Aborted);
            }

            // Told before the held writes go (a service still believing it owns the route would flag legacy's writes as
            // violations), but within what is left of the held writes' patience.
            using var notifyLimit = new CancellationTokenSource(TimeSpan.FromMilliseconds(
                Math.Max(100, Settings.MaxHoldMilliseconds - Stopwatch.GetElapsedTime(holding).TotalMilliseconds - 50)));
            await notices.NotifyAsync(route.Destinations, to, to == WriteOwner.Service ? fence.Position : null, periodic: false, notifyLimit.Token);
            return Done(HandoffOutcome.Completed, to == WriteOwner.Service
                ? $"writes now go to the service; everything legacy committed up to {fenceText} was applied first."
                : $"writes now go to legacy; every write the service took, up to its outbox position {fenceText}, was applied into legacy first.");
        }
        catch (OperationCanceledException) when (holdLimit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Aborted($"held writes would have waited longer than Proxy:Handoff:MaxHoldMilliseconds ({Settings.MaxHoldMilliseconds} ms) " +
                $"while {step} (the hold ends {budget.TotalMilliseconds:0} ms after it began, keeping the rest for the flip), so they went to " +
                $"{OwnerNames.Name(from)} rather than being refused.");
        }
        catch (Exception e) when (e is NpgsqlException or HttpRequestException or JsonException or TaskCanceledException or OperationCanceledException or TimeoutException)
        {
            return Aborted(e.Message);
        }
        finally
        {
            // On every path: held writes go to whoever owns the route now (the other replicas reload the table first).
            await replicas.EndAsync(shared);
            gate.Release();
        }

        HandoffReport Aborted(string why, HandoffOutcome outcome = HandoffOutcome.Aborted) =>
            Done(outcome, $"Handoff aborted, the owner is still {OwnerNames.Name(from)}: {why}");

        HandoffReport Done(HandoffOutcome outcome, string detail)
        {
            var (held, refused) = gate.Counts;
            return Report(outcome, detail, fenceText, Stopwatch.GetElapsedTime(holding).TotalMilliseconds, held - heldBefore, refused - refusedBefore);
        }
    }

    /// <summary>Legacy's WAL insert position: every transaction committed so far lies before it.</summary>
    private async Task<ulong> LegacyPositionAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(Settings.LegacyConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pg_current_wal_insert_lsn()", connection);
        return (ulong)(NpgsqlLogSequenceNumber)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// A position the new owner must reach: legacy's WAL position (legacy → service), or the position of the newest
    /// write in the service's outbox, read now, with how many reverse-sync rounds had completed — the wait then needs
    /// two more (see ReverseSyncStatus.Rounds). Null when the service reports no reverse sync.
    /// </summary>
    private async Task<FencePosition?> PositionAsync(string destination, WriteOwner to, CancellationToken cancellationToken)
    {
        if (to == WriteOwner.Service)
        {
            return new FencePosition(await LegacyPositionAsync(cancellationToken), 0);
        }

        using var status = JsonDocument.Parse(await _http.GetStringAsync($"{destination.TrimEnd('/')}/sync/status", cancellationToken));
        return status.RootElement.TryGetProperty("reverse", out var reverse) && reverse.ValueKind == JsonValueKind.Object
            && reverse.TryGetProperty("writtenPosition", out var written) && written.TryGetUInt64(out var value)
            ? new FencePosition(value, reverse.TryGetProperty("rounds", out var rounds) && rounds.TryGetInt64(out var r) ? r : 0)
            : null;
    }

    private readonly record struct FencePosition(ulong Position, long Rounds);

    /// <summary>
    /// How long writes may be held before the flip must begin: <see cref="HandoffOptions.MaxHoldMilliseconds"/> less a
    /// reserve for recording the owner and releasing (a fifth of it, at most one second).
    /// </summary>
    internal static TimeSpan HoldBudget(HandoffOptions options) =>
        TimeSpan.FromMilliseconds(options.MaxHoldMilliseconds - Math.Min(options.MaxHoldMilliseconds / 5.0, 1000));

    /// <summary>
    /// Null once the new owner has applied everything up to <paramref name="fence"/> — the service's forward sync
    /// (legacy WAL position) or its reverse sync (outbox position) —; otherwise why not, after <paramref name="limitMs"/>.
    /// </summary>
    private async Task<string?> WaitForAsync(string destination, WriteOwner to, FencePosition fence, int limitMs, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(limitMs * (Stopwatch.Frequency / 1000.0));
        var url = $"{destination.TrimEnd('/')}/sync/status";
        while (true)
        {
            using var status = JsonDocument.Parse(await _http.GetStringAsync(url, cancellationToken));
            var root = status.RootElement;
            if (to == WriteOwner.Legacy)
            {
                root = root.TryGetProperty("reverse", out var reverse) && reverse.ValueKind == JsonValueKind.Object ? reverse : default;
            }

            var state = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("state", out var s) ? s.GetString() : null;
            var applied = root.ValueKind == JsonValueKind.Object && root.TryGetProperty(to == WriteOwner.Service ? "appliedLsn" : "appliedPosition", out var a)
                && a.TryGetUInt64(out var value) ? value : 0;
            var error = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("lastError", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            var healthy = to == WriteOwner.Service ? state == "streaming" : state == "running";
            var proven = to == WriteOwner.Service
                || (root.TryGetProperty("rounds", out var rounds) && rounds.TryGetInt64(out var completed) && completed >= fence.Rounds + 2);
            if (healthy && proven && applied >= fence.Position)
            {
                return null;
            }

            if (Stopwatch.GetTimestamp() >= deadline)
            {
                var at = to == WriteOwner.Service ? new NpgsqlLogSequenceNumber(applied).ToString() : applied.ToString(CultureInfo.InvariantCulture);
                var target = to == WriteOwner.Service ? new NpgsqlLogSequenceNumber(fence.Position).ToString() : fence.Position.ToString(CultureInfo.InvariantCulture);
                return $"it is {state ?? "unknown"} at {at}, the fence is {target}{(error is null ? "" : $", last error: {error}")}.";
            }

            await Task.Delay(Settings.PollMilliseconds, cancellationToken);
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _oneAtATime.Dispose();
    }
}
