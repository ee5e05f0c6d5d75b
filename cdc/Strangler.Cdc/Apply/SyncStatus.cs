namespace Strangler.Cdc.Apply;

/// <summary>
/// A sync's status, as <c>GET /sync/status</c> shows it: the WAL position applied, the lag (now minus the commit
/// time of the newest applied change; 0 once a heartbeat proved nothing is pending), counts, and the state.
/// </summary>
public sealed record SyncStatus(
    string State, string Transport, ulong AppliedLsn, string AppliedLsnText, double? LagMilliseconds, long EventsApplied, long EventsStale,
    long DeadLetters, DateTimeOffset? LastAppliedAt, string? LastError, ReverseSyncStatus? Reverse = null)
{
    /// <summary>Who owns the writes as the proxy last said (<c>POST /sync/owner</c>): <c>legacy</c> or <c>service</c>.</summary>
    public string Owner { get; init; } = "legacy";

    /// <summary>While the service owns the writes: the handoff's fence, after which a legacy change is a violation.</summary>
    public ulong? OwnerFence { get; init; }

    /// <summary>
    /// Legacy changes that arrived while the service owns the writes (committed after the handoff's fence) without our
    /// replication origin: a second writer (single-writer violations).
    /// </summary>
    public long SingleWriterViolations { get; init; }
}

/// <summary>
/// The reverse sync (service → legacy) of a service that owns its writes: the position of the newest write it took
/// (<see cref="WrittenPosition"/>) and of the newest one applied into legacy (<see cref="AppliedPosition"/>, kept as
/// the replication origin's progress), writes waiting, and writes legacy refused (dead letters).
/// </summary>
public sealed record ReverseSyncStatus(
    string State, string Origin, ulong WrittenPosition, ulong AppliedPosition, long Pending, long DeadLetters, DateTimeOffset? LastAppliedAt, string? LastError)
{
    /// <summary>
    /// Rounds completed. An outbox numbered by a sequence can hold a number whose transaction has not committed yet, so
    /// "applied up to N" is only proven by a round that started after every write up to N had committed: a handback
    /// reads this with its fence (writes held and drained) and waits for two more rounds.
    /// </summary>
    public long Rounds { get; init; }
}

/// <summary>A service's reverse sync, as /sync/status reports it.</summary>
public interface IReverseSync
{
    /// <summary>The reverse sync's current figures.</summary>
    ReverseSyncStatus Status { get; }

    /// <summary>The status with the written position read now (a handback's fence must include every write already made).</summary>
    Task<ReverseSyncStatus> CurrentAsync(CancellationToken cancellationToken);
}
