using System.Text.Json;
using RideShare.Drivers.Store;
using Strangler.Cdc.Apply;
using Strangler.Cdc.Sync.Reconcile;

namespace RideShare.Drivers.Sync;

/// <summary>The Drivers store as reconcile sees it: drivers in their contract form, repairs through the store script.</summary>
public sealed class DriverReconcileStore(DriverStore store, JsonSerializerOptions json) : IReconcileStore
{
    /// <summary>A legacy row in canonical form: through the same projection and response mapping as the store's rows.</summary>
    public static CanonicalRow Canonical(ChangeRow row, JsonSerializerOptions json)
    {
        var record = DriverProjection.Record(row);
        return CanonicalRow.From(record.Id, record.ToResponse(), json);
    }

    public async Task<SyncCheckpoint?> ReadCheckpointAsync(CancellationToken cancellationToken) => SyncCheckpoint.FromJson(await store.CheckpointAsync());

    public Task<long> CountAsync(CancellationToken cancellationToken) => store.CountAsync();

    public async Task<IReadOnlyList<StoredRow>> ReadRangeAsync(long afterKey, long? toKey, CancellationToken cancellationToken) =>
        ToRows(await store.RawRangeAsync(afterKey, toKey));

    public async Task<IReadOnlyList<StoredRow>> ReadKeysAsync(IReadOnlyCollection<long> keys, CancellationToken cancellationToken) =>
        ToRows(await store.RawKeysAsync(keys));

    public async Task RepairAsync(IReadOnlyList<(long Key, ChangeRow? Legacy)> rows, ulong lsn, CancellationToken cancellationToken)
    {
        var commands = rows.Where(r => r.Legacy is null || Projectable(r.Legacy)).Select(r => r.Legacy is { } legacy
            ? new DriverCommand('S', r.Key, lsn, null, false, DriverProjection.Record(legacy))
            : new DriverCommand('D', r.Key, lsn, null, false, null)).ToList();
        await store.ApplyAsync(commands, null, []);
    }

    private List<StoredRow> ToRows(IReadOnlyList<(long Id, StackExchange.Redis.HashEntry[] Hash)> raw)
    {
        var rows = new List<StoredRow>(raw.Count);
        foreach (var (id, hash) in raw)
        {
            if (hash.Length == 0)
            {
                continue; // indexed but gone: not a row
            }

            try
            {
                var record = DriverRecord.FromHash(hash)!;
                rows.Add(new StoredRow(CanonicalRow.From(id, record.ToResponse(), json), record.Lsn, record.FromSnapshot));
            }
            catch (FormatException e)
            {
                rows.Add(new StoredRow(CanonicalRow.Unreadable(id, e.Message), 0, true));
            }
        }

        return rows;
    }

    /// <summary>A legacy row the projection refuses cannot be repaired into the store: it stays in the drift report.</summary>
    private static bool Projectable(ChangeRow row)
    {
        try
        {
            _ = DriverProjection.Record(row);
            return true;
        }
        catch (PoisonChangeException)
        {
            return false;
        }
    }
}
