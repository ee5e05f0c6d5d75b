namespace Strangler.Cdc.Consumer;

/// <summary>An event that is not a valid Debezium event: the reason and where it was read (topic/partition/offset).</summary>
public sealed class MalformedEventException(string reason, string position, Exception? inner = null)
    : Exception($"Malformed Debezium event at {position}: {reason}", inner)
{
    /// <summary>What is wrong with the event.</summary>
    public string Reason { get; } = reason;

    /// <summary>Where the event came from (topic, partition, offset).</summary>
    public string Position { get; } = position;
}
