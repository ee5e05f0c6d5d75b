namespace Strangler.Cdc.Apply;

/// <summary>
/// A sync's status, as <c>GET /sync/status</c> shows it: the WAL position applied, the lag (now minus the commit
/// time of the newest applied change; 0 once a heartbeat proved nothing is pending), counts, and the state.
/// </summary>
public sealed record SyncStatus(
    string State, string Transport, ulong AppliedLsn, string AppliedLsnText, double? LagMilliseconds, long EventsApplied, long EventsStale,
    long DeadLetters, DateTimeOffset? LastAppliedAt, string? LastError);
