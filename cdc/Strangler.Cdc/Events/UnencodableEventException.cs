namespace Strangler.Cdc.Events;

/// <summary>
/// A change that cannot be encoded: the table, the operation, the row's key, the column and why, in one line.
/// With Cdc:EventFailureHandling=Fail it stops the connector with exactly this message.
/// </summary>
public sealed class UnencodableEventException(string table, char operation, string key, ulong lsn, UnencodableValueException inner)
    : Exception($"cannot encode the '{operation}' change of {table} {key} at LSN {lsn}: {inner.Message}. " +
        "Set Cdc:EventFailureHandling to DeadLetter (the default) or Skip to go on past such changes.", inner)
{
    public string Table { get; } = table;

    public char Operation { get; } = operation;

    /// <summary>The row's key columns as text, e.g. <c>{"id":"7"}</c>.</summary>
    public string Key { get; } = key;

    public ulong Lsn { get; } = lsn;

    public string Column => inner.Column;

    public string Reason => inner.Reason;
}
