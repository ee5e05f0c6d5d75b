namespace Strangler.Cdc.Events;

/// <summary>
/// One Kafka-shaped record: topic, key and value as Debezium JSON (UTF-8), and the WAL position it came
/// from. A null <see cref="Value"/> is a tombstone.
/// </summary>
public sealed record ChangeRecord(string Topic, byte[]? Key, byte[]? Value, ulong Lsn)
{
    /// <summary>True for a delete's tombstone (null value).</summary>
    public bool IsTombstone => Value is null;
}
