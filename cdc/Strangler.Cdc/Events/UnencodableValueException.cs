namespace Strangler.Cdc.Events;

/// <summary>A column value the event format cannot carry (or that is not what its type says): which column, and why.</summary>
public sealed class UnencodableValueException(string column, string reason, Exception? inner = null)
    : Exception($"column {column}: {reason}", inner)
{
    /// <summary>The column that could not be encoded.</summary>
    public string Column { get; } = column;

    /// <summary>Why it could not be encoded.</summary>
    public string Reason { get; } = reason;
}
