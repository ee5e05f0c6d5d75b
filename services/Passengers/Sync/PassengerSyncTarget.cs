using RideShare.Passengers.Store;
using Strangler.Cdc.Apply;

namespace RideShare.Passengers.Sync;

/// <summary>
/// The Passengers store as a sync target: each batch — its passengers, tombstones, dead letters and checkpoint — is
/// one PostgreSQL transaction. Changes of other tables are ignored (counted as stale).
/// </summary>
public sealed class PassengerSyncTarget(PassengerStore store, TimeProvider time) : ISyncTarget
{
    private const string UnresolvedToast = "an unchanged TOASTed value (__debezium_unavailable_value) for a passenger the store does not hold";

    public async Task<SyncCheckpoint?> ReadCheckpointAsync(CancellationToken cancellationToken) =>
        SyncCheckpoint.FromJson(await store.CheckpointAsync(cancellationToken));

    public async Task<ApplyOutcome> ApplyAsync(ApplyBatch batch, CancellationToken cancellationToken)
    {
        var commands = new List<PassengerCommand>(batch.Changes.Count);
        var deadLetters = new List<DeadLetter>(batch.DeadLetters);
        var ignored = 0;
        var now = time.GetUtcNow();
        foreach (var change in batch.Changes)
        {
            if (change.Table != PassengerProjection.Table)
            {
                ignored++;
                continue;
            }

            try
            {
                var command = PassengerProjection.Project(change);
                commands.Add(command.Document is { } d && PassengerProjection.HasUnavailableValue(d)
                    ? command with { DeadLetter = DeadLetter.ForChange(change, UnresolvedToast, now).ToJson() }
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
