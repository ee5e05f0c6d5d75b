using Strangler.Cdc.Apply;

namespace RideShare.Trips.Sync;

/// <summary>The Trips database as a sync target: each batch is one PostgreSQL transaction (<see cref="TripSyncStore"/>).</summary>
public sealed class TripSyncTarget(TripSyncStore store, TimeProvider time) : ISyncTarget
{
    public async Task<SyncCheckpoint?> ReadCheckpointAsync(CancellationToken cancellationToken) =>
        SyncCheckpoint.FromJson(await store.CheckpointAsync(cancellationToken));

    public async Task<ApplyOutcome> ApplyAsync(ApplyBatch batch, CancellationToken cancellationToken)
    {
        var commands = new List<TripCommand>(batch.Changes.Count);
        var deadLetters = new List<DeadLetter>(batch.DeadLetters);
        var ignored = 0;
        var now = time.GetUtcNow();
        foreach (var change in batch.Changes)
        {
            if (change.Table != TripProjection.Table)
            {
                ignored++;
                continue;
            }

            try
            {
                var command = TripProjection.Project(change);
                commands.Add(command.Unavailable.Count > 0
                    ? command with
                    {
                        DeadLetter = DeadLetter.ForChange(
                            change, $"an unchanged TOASTed value (__debezium_unavailable_value) in {string.Join(", ", command.Unavailable)} for a trip the store does not hold", now).ToJson(),
                    }
                    : command);
            }
            catch (PoisonChangeException e)
            {
                deadLetters.Add(DeadLetter.ForChange(change, e.Message, now));
            }
        }

        var (applied, stale, dead) = await store.ApplyAsync(commands, batch.Checkpoint.ToJson(), deadLetters, cancellationToken);
        return new ApplyOutcome(applied, stale + ignored, dead);
    }

    public Task<long> DeadLetterCountAsync(CancellationToken cancellationToken) => store.DeadLetterCountAsync(cancellationToken);
}
