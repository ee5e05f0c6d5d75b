namespace Strangler.Cdc.Apply;

/// <summary>
/// A service's store as the destination of change events. Exactly-once effect rests on it: each commit
/// applies its changes, stores its dead letters and its checkpoint atomically (one transaction, one
/// MULTI/EXEC or Lua script), and a change older than — or as old as — what its row already reflects is
/// skipped (<see cref="RowOrder"/>), so redelivered or replayed events change nothing. A change the projection cannot apply is
/// dead-lettered inside the same commit; <see cref="ApplyAsync"/> throws only when the store itself failed,
/// and then nothing of the batch was stored.
/// </summary>
public interface ISyncTarget
{
    /// <summary>The checkpoint of the last commit, or null when nothing was ever applied.</summary>
    Task<SyncCheckpoint?> ReadCheckpointAsync(CancellationToken cancellationToken);

    /// <summary>Applies <paramref name="batch"/> in one atomic commit.</summary>
    Task<ApplyOutcome> ApplyAsync(ApplyBatch batch, CancellationToken cancellationToken);

    /// <summary>Dead letters stored so far.</summary>
    Task<long> DeadLetterCountAsync(CancellationToken cancellationToken);
}
