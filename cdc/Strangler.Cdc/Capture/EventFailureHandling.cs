namespace Strangler.Cdc.Capture;

/// <summary>
/// What the connector does with a change it cannot encode (Debezium's event.processing.failure.handling.mode,
/// plus a dead-letter topic). A valid PostgreSQL value never lands here except numeric NaN/Infinity under
/// Cdc:DecimalHandling=Precise, which Debezium cannot encode either.
/// </summary>
public enum EventFailureHandling
{
    /// <summary>Write the change to the dead-letter topic (reason, table, key, column, every value as text), count it, go on.</summary>
    DeadLetter,

    /// <summary>Stop the connector with one line naming the table, key and column (it stops there again on restart).</summary>
    Fail,

    /// <summary>Log it, count it and go on without it.</summary>
    Skip,
}
