using System.Globalization;
using System.Numerics;
using System.Text;

namespace Strangler.Cdc.Events;

/// <summary>
/// Doubles and floats written as Java's Double.toString / Float.toString write them, which is what Debezium's
/// JSON (Jackson) contains: "1.0" not "1", "1.0E7" not "10000000", "4.9E-324" not "5E-324". Java uses plain
/// notation for magnitudes in [10⁻³, 10⁷), else d.ddd…E±n, always with a digit after the point, and the shortest
/// digits that round-trip (two, the closest, when one would do) — the JDK 19+ algorithm, which Debezium 3.x runs on.
/// </summary>
internal static class JavaNumberFormat
{
    public static string Format(double value) => Format<double>(value);

    public static string Format(float value) => Format<float>(value);

    private static string Format<T>(T value) where T : IFloatingPointIeee754<T>
    {
        if (T.IsNaN(value))
        {
            return "NaN";
        }

        if (T.IsInfinity(value))
        {
            return T.IsNegative(value) ? "-Infinity" : "Infinity";
        }

        if (T.IsZero(value))
        {
            return T.IsNegative(value) ? "-0.0" : "0.0";
        }

        var shortest = value.ToString("R", CultureInfo.InvariantCulture);
        var twoDigits = T.Abs(value).ToString("E1", CultureInfo.InvariantCulture);
        return Layout(T.IsNegative(value), Digits(shortest, s => T.Parse(s, CultureInfo.InvariantCulture) == value, twoDigits));
    }

    /// <summary>The shortest round-trip significant digits and the decimal exponent of the first one.</summary>
    private static (string Digits, int Exponent) Digits(string shortest, Func<string, bool> roundTrips, string twoDigits)
    {
        var (digits, exponent) = Parse(shortest);
        if (digits.Length == 1)
        {
            // Java always shows a digit after the point: of the two-digit decimals, the closest one that round-trips.
            var (two, twoExponent) = Parse(twoDigits);
            if (two.Length == 2 && roundTrips(twoDigits))
            {
                return (two, twoExponent);
            }
        }

        return (digits, exponent);
    }

    /// <summary>"1.2345E+006", "123.45", "1E-05" → ("12345", 6) with value 0.d… × 10^(exponent+1); leading sign ignored.</summary>
    private static (string Digits, int Exponent) Parse(string text)
    {
        text = text.TrimStart('-');
        var e = text.IndexOfAny(['E', 'e']);
        var mantissa = e < 0 ? text : text[..e];
        var exponent = e < 0 ? 0 : int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var integer = dot < 0 ? mantissa : mantissa[..dot];
        var fraction = dot < 0 ? "" : mantissa[(dot + 1)..];
        var all = integer + fraction;
        var leading = all.Length - all.TrimStart('0').Length;
        var digits = all.Trim('0');
        // Position of the first significant digit relative to the point.
        return (digits.Length == 0 ? "0" : digits, exponent + integer.Length - 1 - leading);
    }

    private static string Layout(bool negative, (string Digits, int Exponent) number)
    {
        var (digits, exponent) = number;
        var text = new StringBuilder(32);
        if (negative)
        {
            text.Append('-');
        }

        if (exponent is >= -3 and < 7)
        {
            if (exponent < 0)
            {
                text.Append("0.").Append('0', -exponent - 1).Append(digits);
            }
            else if (digits.Length > exponent + 1)
            {
                text.Append(digits, 0, exponent + 1).Append('.').Append(digits, exponent + 1, digits.Length - exponent - 1);
            }
            else
            {
                text.Append(digits).Append('0', exponent + 1 - digits.Length).Append(".0");
            }
        }
        else
        {
            text.Append(digits[0]).Append('.').Append(digits.Length > 1 ? digits[1..] : "0").Append('E').Append(exponent.ToString(CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }
}
