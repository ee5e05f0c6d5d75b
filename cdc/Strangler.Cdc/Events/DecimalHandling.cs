namespace Strangler.Cdc.Events;

/// <summary>How numeric columns are encoded (Debezium's decimal.handling.mode).</summary>
public enum DecimalHandling
{
    /// <summary>Kafka Connect Decimal: Base64 big-endian unscaled bytes + scale (VariableScaleDecimal without a declared scale).</summary>
    Precise,

    /// <summary>The number as a plain string.</summary>
    String,

    /// <summary>The number as a JSON double (lossy).</summary>
    Double,
}
