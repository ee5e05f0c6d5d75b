namespace Strangler.Cdc.Consumer;

/// <summary>The event's <c>source</c> block: where in the database it came from.</summary>
public sealed record SourcePosition(
    string? Version, string? Name, string? Database, string? Schema, string? Table,
    long? TxId, long? Lsn, string? Snapshot, long? TimestampMs, string? Sequence);
