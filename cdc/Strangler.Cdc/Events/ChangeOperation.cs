namespace Strangler.Cdc.Events;

/// <summary>
/// What happened to a row: one vocabulary for the encoder (which writes it as Debezium's one-letter <c>op</c>) and
/// the reader (which parses it back), plus <see cref="Tombstone"/> for a delete's null-valued follow-up record.
/// </summary>
public enum ChangeOperation
{
    /// <summary>A row read by a snapshot (<c>op: "r"</c>).</summary>
    Read,

    /// <summary>An insert (<c>op: "c"</c>).</summary>
    Create,

    /// <summary>An update (<c>op: "u"</c>).</summary>
    Update,

    /// <summary>A delete (<c>op: "d"</c>).</summary>
    Delete,

    /// <summary>A TRUNCATE of the table (<c>op: "t"</c>).</summary>
    Truncate,

    /// <summary>A logical decoding message (<c>op: "m"</c>).</summary>
    Message,

    /// <summary>The record after a delete whose value is null, so Kafka's log compaction can drop the key.</summary>
    Tombstone,
}

/// <summary>Debezium's <c>op</c> letters for <see cref="ChangeOperation"/>.</summary>
public static class ChangeOperations
{
    /// <summary>The one-letter <c>op</c> Debezium writes for <paramref name="operation"/>; a tombstone has none.</summary>
    public static string Code(this ChangeOperation operation) => operation switch
    {
        ChangeOperation.Read => "r",
        ChangeOperation.Create => "c",
        ChangeOperation.Update => "u",
        ChangeOperation.Delete => "d",
        ChangeOperation.Truncate => "t",
        ChangeOperation.Message => "m",
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "a tombstone has no op"),
    };

    /// <summary>The operation an <c>op</c> letter stands for, or null when it is not one of Debezium's.</summary>
    public static ChangeOperation? FromCode(string? code) => code switch
    {
        "r" => ChangeOperation.Read,
        "c" => ChangeOperation.Create,
        "u" => ChangeOperation.Update,
        "d" => ChangeOperation.Delete,
        "t" => ChangeOperation.Truncate,
        "m" => ChangeOperation.Message,
        _ => null,
    };
}
