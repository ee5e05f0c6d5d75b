namespace Strangler.Cdc.Events;

/// <summary>
/// An event's Debezium <c>source</c> block: where in the database it came from. The connector builds it for the
/// encoder (which writes the connector's own version, name, database, schema and table beside it); the reader
/// parses it back from any Debezium event.
/// </summary>
public sealed record SourceInfo
{
    /// <summary><c>source.version</c>: the connector that wrote the event.</summary>
    public string? Version { get; init; }

    /// <summary><c>source.name</c>: the topic prefix (logical server name).</summary>
    public string? Name { get; init; }

    /// <summary><c>source.db</c>.</summary>
    public string? Database { get; init; }

    /// <summary><c>source.schema</c>.</summary>
    public string? Schema { get; init; }

    /// <summary><c>source.table</c>.</summary>
    public string? Table { get; init; }

    /// <summary><c>source.txId</c>: the PostgreSQL transaction id.</summary>
    public long? TxId { get; init; }

    /// <summary><c>source.lsn</c>: the change's WAL position.</summary>
    public long? Lsn { get; init; }

    /// <summary><c>source.snapshot</c>: "true", "first", "last", … for snapshot reads; "false" while streaming.</summary>
    public string? Snapshot { get; init; }

    /// <summary>The commit time (<c>source.ts_us</c> when the event has it, else <c>ts_ms</c>).</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary><c>source.sequence</c>: <c>["last committed LSN","this LSN"]</c> as a JSON string.</summary>
    public string? Sequence { get; init; }

    /// <summary>The source of a change the connector captured at <paramref name="lsn"/>, after the commit <paramref name="lastCommitLsn"/>.</summary>
    internal static SourceInfo Captured(string snapshot, DateTimeOffset timestamp, long? txId, ulong lsn, ulong? lastCommitLsn) => new()
    {
        Snapshot = snapshot,
        Timestamp = timestamp,
        TxId = txId,
        Lsn = (long)lsn,
        Sequence = lastCommitLsn is { } last ? $"[\"{last}\",\"{lsn}\"]" : $"[null,\"{lsn}\"]",
    };

    /// <summary>The WAL position as the unsigned number the capture works with.</summary>
    internal ulong Position => (ulong)(Lsn ?? 0);
}
