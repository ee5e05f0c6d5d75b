using System.Globalization;
using System.Numerics;

namespace Strangler.Cdc.Consumer;

/// <summary>
/// An exact decimal of any size: <see cref="Unscaled"/> × 10^-<see cref="Scale"/> (Kafka Connect's Decimal, Java's
/// BigDecimal). The reader returns it for a value .NET's decimal cannot hold exactly (more than 28–29 digits, or a
/// scale beyond 28); every other decimal comes as <see cref="decimal"/> with its scale kept (1200.00, not 1200).
/// </summary>
public readonly record struct BigDecimal(BigInteger Unscaled, int Scale)
{
    /// <summary>The value as a .NET decimal, when it fits exactly (scale kept).</summary>
    public bool TryToDecimal(out decimal value)
    {
        value = 0;
        var unscaled = Unscaled;
        var scale = Scale;
        if (scale < 0)
        {
            unscaled *= BigInteger.Pow(10, -scale);
            scale = 0;
        }

        if (scale > 28 || BigInteger.Abs(unscaled) > MaxMantissa)
        {
            return false;
        }

        var magnitude = BigInteger.Abs(unscaled);
        var lo = (int)(uint)(magnitude & uint.MaxValue);
        var mid = (int)(uint)((magnitude >> 32) & uint.MaxValue);
        var hi = (int)(uint)((magnitude >> 64) & uint.MaxValue);
        value = new decimal(lo, mid, hi, unscaled.Sign < 0, (byte)scale);
        return true;
    }

    /// <summary>The plain decimal text (Java's toPlainString): "-12.50", "12300".</summary>
    public override string ToString()
    {
        var digits = BigInteger.Abs(Unscaled).ToString(CultureInfo.InvariantCulture);
        var sign = Unscaled.Sign < 0 ? "-" : "";
        if (Scale <= 0)
        {
            return sign + digits + (Unscaled.IsZero ? "" : new string('0', -Scale));
        }

        digits = digits.PadLeft(Scale + 1, '0');
        return $"{sign}{digits[..^Scale]}.{digits[^Scale..]}";
    }

    private static readonly BigInteger MaxMantissa = (BigInteger.One << 96) - 1;
}
