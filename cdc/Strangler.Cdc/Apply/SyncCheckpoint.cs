namespace Strangler.Cdc.Apply;

/// <summary>
/// How far a sync target has applied, stored in the same commit as the data: the newest WAL position and the
/// commit time of the newest applied change (<see cref="CaughtUp"/> when a heartbeat proved nothing was pending),
/// and, over Kafka, the next offset of each partition.
/// </summary>
public sealed record SyncCheckpoint(ulong Lsn, DateTimeOffset? CommitTime, bool CaughtUp, IReadOnlyDictionary<string, long>? KafkaOffsets = null)
{
    public static SyncCheckpoint Start { get; } = new(0, null, false);
}
