namespace Strangler.Cdc.Consumer;

/// <summary>
/// A date or time value .NET's date types cannot hold: PostgreSQL's 'infinity' / '-infinity' (Debezium's
/// sentinels), or a year outside 1–9999 (PostgreSQL goes from 4713 BC to 294276 AD). <see cref="Raw"/> is the
/// number as encoded (days, ms, µs or ns since the epoch, per <see cref="LogicalType"/>), <see cref="Text"/> the
/// string for a ZonedTimestamp.
/// </summary>
public readonly record struct TemporalValue(string LogicalType, long? Raw, string? Text, bool IsPositiveInfinity, bool IsNegativeInfinity)
{
    /// <summary>True for PostgreSQL's infinity or -infinity.</summary>
    public bool IsInfinite => IsPositiveInfinity || IsNegativeInfinity;

    /// <summary>The value as PostgreSQL writes it.</summary>
    public override string ToString() => IsPositiveInfinity ? "infinity" : IsNegativeInfinity ? "-infinity" : Text ?? $"{LogicalType}({Raw})";
}
