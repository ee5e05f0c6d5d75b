namespace Strangler.Cdc.Events;

/// <summary>
/// A change that cannot be encoded: the table, the operation, the row's key, the column and why, in one line.
/// With Cdc:EventFailureHandling=Fail it stops the connector with exactly this message.
/// </summary>
public sealed class UnencodableEventException(string table, ChangeOperation operation, string key, ulong lsn, UnencodableValueException inner)
    : Exception($"cannot encode the '{operation.Code()}' change of {table} {key} at LSN {lsn}: {inner.Message}. " +
        "Set Cdc:EventFailureHandling to DeadLetter (the default) or Skip to go on past such changes.", inner)
{
    /// <summary>The table, e.g. <c>public.drivers</c>.</summary>
    public string Table { get; } = table;

    /// <summary>The change's operation.</summary>
    public ChangeOperation Operation { get; } = operation;

    /// <summary>The row's key columns as text, e.g. <c>{"id":"7"}</c>.</summary>
    public string Key { get; } = key;

    /// <summary>The change's WAL position.</summary>
    public ulong Lsn { get; } = lsn;

    /// <summary>The column that could not be encoded.</summary>
    public string Column => inner.Column;

    /// <summary>Why it could not be encoded.</summary>
    public string Reason => inner.Reason;
}
