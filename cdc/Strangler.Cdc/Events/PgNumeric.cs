using System.Globalization;
using System.Numerics;

namespace Strangler.Cdc.Events;

/// <summary>
/// PostgreSQL numeric text ("-12.340", "NaN", "Infinity") as Debezium encodes it: a Kafka Connect Decimal at the
/// column's scale (negative scales included: numeric(5,-2) holds 12300 as 123 × 10²), a VariableScaleDecimal with
/// trailing zeros stripped, or the special values in string and double modes.
/// </summary>
internal static class PgNumeric
{
    /// <summary>True for the values a Decimal cannot carry.</summary>
    public static bool IsSpecial(string text) => text is "NaN" or "Infinity" or "-Infinity";

    /// <summary>decimal.handling.mode=string: the special values by Debezium's names, others as PostgreSQL wrote them.</summary>
    public static string AsString(string text) => text switch
    {
        "NaN" => "NAN",
        "Infinity" => "POSITIVE_INFINITY",
        "-Infinity" => "NEGATIVE_INFINITY",
        _ => text,
    };

    /// <summary>The exact value as an unscaled integer and a scale (digits after the point as written).</summary>
    public static (BigInteger Unscaled, int Scale) Parse(string text)
    {
        var span = text.AsSpan();
        var negative = span.StartsWith("-");
        if (negative)
        {
            span = span[1..];
        }

        var dot = span.IndexOf('.');
        var integer = dot < 0 ? span : span[..dot];
        var fraction = dot < 0 ? [] : span[(dot + 1)..];
        if (integer.IsEmpty && fraction.IsEmpty || !IsDigits(integer) || !IsDigits(fraction))
        {
            throw new FormatException($"'{(text.Length <= 60 ? text : text[..57] + "...")}' is not a PostgreSQL numeric");
        }

        var unscaled = BigInteger.Parse(string.Concat(integer, fraction), NumberStyles.None, CultureInfo.InvariantCulture);
        return (negative ? -unscaled : unscaled, fraction.Length);
    }

    /// <summary>The unscaled value at <paramref name="scale"/> (the column's, possibly negative); exact or an error.</summary>
    public static BigInteger AtScale(string text, int scale)
    {
        var (unscaled, current) = Parse(text);
        if (scale >= current)
        {
            return unscaled * BigInteger.Pow(10, scale - current);
        }

        var divisor = BigInteger.Pow(10, current - scale);
        var quotient = BigInteger.DivRem(unscaled, divisor, out var remainder);
        return remainder.IsZero ? quotient : throw new FormatException($"'{text}' does not fit scale {scale}");
    }

    /// <summary>VariableScaleDecimal's value: trailing zeros stripped, scale never below 0 (BigDecimal.stripTrailingZeros, as Debezium).</summary>
    public static (BigInteger Unscaled, int Scale) Stripped(string text)
    {
        var (unscaled, scale) = Parse(text);
        while (scale > 0 && !unscaled.IsZero && (unscaled % 10).IsZero)
        {
            unscaled /= 10;
            scale--;
        }

        return unscaled.IsZero ? (BigInteger.Zero, 0) : (unscaled, scale);
    }

    /// <summary>Kafka Connect's bytes of an unscaled value: minimal big-endian two's complement (Java's BigInteger.toByteArray).</summary>
    public static byte[] Bytes(BigInteger unscaled) => unscaled.ToByteArray(isUnsigned: false, isBigEndian: true);

    private static bool IsDigits(ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
