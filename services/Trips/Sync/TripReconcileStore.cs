using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using RideShare.Trips.Store;
using Strangler.Cdc.Apply;
using Strangler.Cdc.Sync.Reconcile;

namespace RideShare.Trips.Sync;

/// <summary>The Trips database as reconcile sees it: trips in their contract form, repairs as snapshot reads.</summary>
public sealed class TripReconcileStore(Func<TripsDbContext> context, TripSyncStore store, JsonSerializerOptions json) : IReconcileStore
{
    public static CanonicalRow Canonical(ChangeRow row, JsonSerializerOptions json)
    {
        var trip = TripProjection.Row(row);
        return CanonicalRow.From(trip.Id, trip.ToResponse(), json);
    }

    public async Task<SyncCheckpoint?> ReadCheckpointAsync(CancellationToken cancellationToken) =>
        SyncCheckpoint.FromJson(await store.CheckpointAsync(cancellationToken));

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var db = context();
        return await db.Trips.LongCountAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<StoredRow>> ReadRangeAsync(long afterKey, long? toKey, CancellationToken cancellationToken)
    {
        await using var db = context();
        var upper = toKey ?? long.MaxValue;
        return ToRows(await db.Trips.AsNoTracking().Where(t => t.Id > afterKey && t.Id <= upper).OrderBy(t => t.Id).ToListAsync(cancellationToken));
    }

    public async Task<IReadOnlyList<StoredRow>> ReadKeysAsync(IReadOnlyCollection<long> keys, CancellationToken cancellationToken)
    {
        await using var db = context();
        return ToRows(await db.Trips.AsNoTracking().Where(t => keys.Contains(t.Id)).OrderBy(t => t.Id).ToListAsync(cancellationToken));
    }

    public async Task RepairAsync(IReadOnlyList<(long Key, ChangeRow? Legacy)> rows, ulong lsn, CancellationToken cancellationToken)
    {
        var commands = new List<TripCommand>();
        foreach (var (key, legacy) in rows)
        {
            if (legacy is null)
            {
                commands.Add(new TripCommand('D', key, lsn, null, new HashSet<string>()));
                continue;
            }

            try
            {
                commands.Add(new TripCommand('S', key, lsn, TripProjection.Row(legacy), new HashSet<string>()));
            }
            catch (PoisonChangeException)
            {
                // A legacy row the projection refuses cannot be repaired into the store: it stays in the drift report.
            }
        }

        await store.ApplyAsync(commands, null, [], cancellationToken);
    }

    private List<StoredRow> ToRows(IEnumerable<TripRow> trips) =>
        trips.Select(t => new StoredRow(CanonicalRow.From(t.Id, t.ToResponse(), json), t.SyncLsn is { } lsn ? (ulong)lsn : 0, t.SyncSnapshot)).ToList();
}
