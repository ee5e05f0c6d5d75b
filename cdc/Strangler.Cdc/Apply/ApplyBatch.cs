namespace Strangler.Cdc.Apply;

/// <summary>What one commit of a sync target holds: changes in order, dead letters, and the checkpoint to store with them.</summary>
public sealed record ApplyBatch(IReadOnlyList<SourceChange> Changes, IReadOnlyList<DeadLetter> DeadLetters, SyncCheckpoint Checkpoint);
