using System.Text.Json;
using RideShare.Passengers.Store;
using Strangler.Cdc.Apply;
using Strangler.Cdc.Sync.Reconcile;

namespace RideShare.Passengers.Sync;

/// <summary>The Passengers store as reconcile sees it: passengers in their contract form, repairs as snapshot reads.</summary>
public sealed class PassengerReconcileStore(PassengerStore store, JsonSerializerOptions json) : IReconcileStore
{
    public static CanonicalRow Canonical(ChangeRow row, JsonSerializerOptions json)
    {
        var document = PassengerProjection.Document(row);
        return CanonicalRow.From(document.Id, document.ToResponse(), json);
    }

    public async Task<SyncCheckpoint?> ReadCheckpointAsync(CancellationToken cancellationToken) =>
        SyncCheckpoint.FromJson(await store.CheckpointAsync(cancellationToken));

    public Task<long> CountAsync(CancellationToken cancellationToken) => store.CountAsync(cancellationToken);

    public async Task<IReadOnlyList<StoredRow>> ReadRangeAsync(long afterKey, long? toKey, CancellationToken cancellationToken) =>
        ToRows(await store.RangeAsync(afterKey, toKey, cancellationToken));

    public async Task<IReadOnlyList<StoredRow>> ReadKeysAsync(IReadOnlyCollection<long> keys, CancellationToken cancellationToken) =>
        ToRows(await store.LoadManyAsync(keys, cancellationToken));

    public async Task RepairAsync(IReadOnlyList<(long Key, ChangeRow? Legacy)> rows, ulong lsn, CancellationToken cancellationToken)
    {
        var commands = rows.Where(r => r.Legacy is null || Projectable(r.Legacy)).Select(r => r.Legacy is { } legacy
            ? new PassengerCommand('S', r.Key, lsn, PassengerProjection.Document(legacy))
            : new PassengerCommand('D', r.Key, lsn, null)).ToList();
        await store.ApplyAsync(commands, null, [], cancellationToken);
    }

    private List<StoredRow> ToRows(IEnumerable<PassengerDocument> documents) =>
        documents.Select(d => new StoredRow(CanonicalRow.From(d.Id, d.ToResponse(), json), d.Lsn, d.FromSnapshot)).ToList();

    /// <summary>A legacy row the projection refuses cannot be repaired into the store: it stays in the drift report.</summary>
    private static bool Projectable(ChangeRow row)
    {
        try
        {
            _ = PassengerProjection.Document(row);
            return true;
        }
        catch (PoisonChangeException)
        {
            return false;
        }
    }
}
