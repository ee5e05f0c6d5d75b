namespace Strangler.Cdc.Consumer;

/// <summary>An event that is not a valid Debezium event: the reason and where it was read (topic/partition/offset).</summary>
public sealed class MalformedEventException(string reason, string position, Exception? inner = null)
    : Exception($"Malformed Debezium event at {position}: {reason}", inner)
{
    public string Reason { get; } = reason;

    public string Position { get; } = position;
}
