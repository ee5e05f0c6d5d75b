using RideShare.Drivers.Store;
using Strangler.Cdc.Apply;

namespace RideShare.Drivers.Sync;

/// <summary>
/// The Drivers store as a sync target: each batch — its drivers' puts and deletes, its dead letters and its
/// checkpoint — runs as one store script, so the checkpoint can never say more (or less) than the data holds.
/// Changes of other tables are ignored (counted as stale).
/// </summary>
public sealed class DriverSyncTarget(DriverStore store, TimeProvider time) : ISyncTarget
{
    private const string UnresolvedToast = "an unchanged TOASTed value (__debezium_unavailable_value) for a driver the store does not hold";

    public async Task<SyncCheckpoint?> ReadCheckpointAsync(CancellationToken cancellationToken) =>
        SyncCheckpoint.FromJson(await store.CheckpointAsync());

    public async Task<ApplyOutcome> ApplyAsync(ApplyBatch batch, CancellationToken cancellationToken)
    {
        var commands = new List<DriverCommand>(batch.Changes.Count);
        var deadLetters = batch.DeadLetters.Select(d => d.ToJson()).ToList();
        var ignored = 0;
        var now = time.GetUtcNow();
        foreach (var change in batch.Changes)
        {
            if (change.Table != DriverProjection.Table)
            {
                ignored++;
                continue;
            }

            try
            {
                var command = DriverProjection.Project(change);
                commands.Add(command.Record?.HasUnavailableValue == true
                    ? command with { DeadLetter = DeadLetter.ForChange(change, UnresolvedToast, now).ToJson() }
                    : command);
            }
            catch (PoisonChangeException e)
            {
                deadLetters.Add(DeadLetter.ForChange(change, e.Message, now).ToJson());
            }
        }

        var results = await store.ApplyAsync(commands, batch.Checkpoint.ToJson(), deadLetters);
        var applied = results.Count(r => r.Outcome == DriverWriteOutcome.Applied);
        var dead = results.Count(r => r.Outcome == DriverWriteOutcome.DeadLettered);
        var stale = results.Count(r => r.Outcome == DriverWriteOutcome.Stale);
        return new ApplyOutcome(applied, stale + ignored, deadLetters.Count + dead);
    }

    public Task<long> DeadLetterCountAsync(CancellationToken cancellationToken) => store.DeadLetterCountAsync();
}
