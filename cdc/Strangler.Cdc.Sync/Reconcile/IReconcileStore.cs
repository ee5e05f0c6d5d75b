using Strangler.Cdc.Apply;

namespace Strangler.Cdc.Sync.Reconcile;

/// <summary>A service's store as reconcile sees it: its rows in canonical form, its checkpoint, and a way to repair keys.</summary>
public interface IReconcileStore
{
    /// <summary>The sync checkpoint the store has applied up to (null before the first batch).</summary>
    Task<SyncCheckpoint?> ReadCheckpointAsync(CancellationToken cancellationToken);

    /// <summary>How many rows the store holds.</summary>
    Task<long> CountAsync(CancellationToken cancellationToken);

    /// <summary>Rows with keys in (<paramref name="afterKey"/>, <paramref name="toKey"/>] (no upper bound when null), in key order.</summary>
    Task<IReadOnlyList<StoredRow>> ReadRangeAsync(long afterKey, long? toKey, CancellationToken cancellationToken);

    /// <summary>The store's rows with these keys, canonicalised (missing keys are absent).</summary>
    Task<IReadOnlyList<StoredRow>> ReadKeysAsync(IReadOnlyCollection<long> keys, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the legacy state of each key — its row, or its absence (null) — as a snapshot read at
    /// <paramref name="lsn"/>, under the same ordering rule as the sync: a row the sync has since moved past is left alone.
    /// </summary>
    Task RepairAsync(IReadOnlyList<(long Key, ChangeRow? Legacy)> rows, ulong lsn, CancellationToken cancellationToken);
}
