namespace Strangler.Cdc.Sync.Reconcile;

/// <summary>How one key differs: <c>missing</c> (in legacy, not in the store), <c>extra</c> (in the store only) or <c>different</c>, with the fields.</summary>
public sealed record DriftedKey(long Key, string Kind, IReadOnlyList<FieldDifference> Fields);

/// <summary>One differing field: its value in legacy and in the store (JSON text; null when the side has no such field).</summary>
public sealed record FieldDifference(string Field, string? Legacy, string? Store);

/// <summary>
/// The outcome of a reconcile: counts on both sides, the drift found (keys that differed in every round), keys that
/// kept changing during the comparison (so could not be compared, not drift), and what a repair did.
/// </summary>
public sealed record ReconcileReport(
    string Table, long LegacyCount, long StoreCount, ulong LegacyLsn, IReadOnlyList<DriftedKey> Drift, IReadOnlyList<long> Changing,
    int Repaired, IReadOnlyList<DriftedKey>? DriftAfterRepair)
{
    /// <summary>Drift left once everything ran: after the repair when one ran.</summary>
    public IReadOnlyList<DriftedKey> Remaining => DriftAfterRepair ?? Drift;
}
