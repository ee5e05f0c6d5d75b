using System.Numerics;
using Strangler.Cdc.Consumer;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Tests.Events;

/// <summary>The pure conversions' refusals and limits: every bad text is a FormatException that quotes it and says what was expected.</summary>
public sealed class PgValueErrorTests
{
    [Theory]
    [InlineData("2016-11-04", "a date", "1")]
    [InlineData("216-11-04", "a date", "d")]
    [InlineData("12345678-11-04", "a date", "d")]
    [InlineData("2016/11/04", "a date", "d")]
    [InlineData("2016-11-0", "a date", "d")]
    [InlineData("2016-00-04", "a date", "d")]
    [InlineData("2016-11-32", "a date", "d")]
    [InlineData("2016-11-04 AD", "a date", "d")]
    [InlineData("2016-11-04X13:00:00", "a timestamp", "t")]
    [InlineData("2016-11-04", "a timestamp", "t")]
    [InlineData("2016-11-04 13:00:00 BC BC", "a timestamp", "t")]
    [InlineData("2016-11-04 13:00:00+01", "a timestamp", "t")]
    [InlineData("2016-11-04 13:00", "a time", "t")]
    [InlineData("2016-11-04 13-00-00", "a time", "t")]
    [InlineData("2016-11-04 13:00:61", "a time", "t")]
    [InlineData("2016-11-04 13:60:00", "a time", "t")]
    [InlineData("2016-11-04 13:00:00.", "a time", "t")]
    [InlineData("13:00:00x", "a time", "T")]
    [InlineData("13:00:00+1", "a time zone offset", "Z")]
    [InlineData("13:00:00+01:0", "a time zone offset", "Z")]
    [InlineData("13:00:00+01 ", "a time with time zone", "Z")]
    public void BadText_IsAFormatExceptionQuotingItAndTheExpectedKind(string text, string kind, string which)
    {
        Action parse = which switch
        {
            "d" => () => PgTemporal.Days(text),
            "t" => () => PgTemporal.TimestampMicros(text),
            "T" => () => PgTemporal.TimeMicros(text),
            "Z" => () => PgTemporal.ZonedTime(text),
            _ => () => throw new FormatException($"'{text}' is not {kind}"), // the control row
        };

        var error = Assert.Throws<FormatException>(parse);

        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"is not {kind}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadText_ALongOne_IsQuotedShortened()
    {
        var text = new string('9', 80);
        var error = Assert.Throws<FormatException>(() => PgTemporal.Days(text));

        Assert.Contains($"'{new string('9', 57)}...'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{new string('9', 60)}'", Assert.Throws<FormatException>(() => PgTemporal.Days(new string('9', 60))).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2016-11-04 23:59:60", 1478304000000000)]  // a leap second is accepted as PostgreSQL prints it
    [InlineData("2016-11-04 00:00:00.1234567", 1478217600123456)] // digits past µs are dropped
    [InlineData("2016-11-04 00:00:00.5 BC", -125727897599500000)] // astronomical year -2015, by an independent days_from_civil
    public void Timestamp_MoreValues(string text, long expected) => Assert.Equal(expected, PgTemporal.TimestampMicros(text));

    [Fact]
    public void Timestamp_BeyondWhatMicrosecondsCanCount_IsAnOverflow_NotAWrongValue() =>
        Assert.Throws<OverflowException>(() => PgTemporal.TimestampMicros("1234567-01-01 00:00:00"));

    [Theory]
    [InlineData("13:00:00+01:30:15", "11:29:45Z")]
    [InlineData("23:00:00-02", "01:00:00Z")]
    [InlineData("00:00:00.5+00", "00:00:00.5Z")]
    public void ZonedTime_Offsets(string text, string expected) => Assert.Equal(expected, PgTemporal.ZonedTime(text));

    [Theory]
    [InlineData("9999-12-31 23:59:59.999999+00", 6, "9999-12-31T23:59:59.999999Z")]
    [InlineData("10000-01-01 00:00:00+00", 6, "+10000-01-01T00:00:00.000000Z")]
    [InlineData("0001-01-01 00:00:00+00 BC", 0, "0000-01-01T00:00:00Z")]
    [InlineData("0011-01-01 00:00:00+00 BC", 3, "-0010-01-01T00:00:00.000Z")]
    [InlineData("1969-12-31 23:59:59.999999+00", 6, "1969-12-31T23:59:59.999999Z")]
    public void ZonedTimestamp_YearBoundaries(string text, int precision, string expected) =>
        Assert.Equal(expected, PgTemporal.ZonedTimestamp(text, precision));

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(59L)]
    [InlineData(60L)]
    [InlineData(-719163L)]
    [InlineData(2_932_896L)]
    [InlineData(-2_147_472_692L)]
    public void CivilFromDays_InvertsDaysFromCivil(long days)
    {
        var (year, month, day) = PgTemporal.CivilFromDays(days);
        Assert.Equal(days, PgTemporal.DaysFromCivil(year, month, day));
    }

    [Theory]
    [InlineData(2000, 3, 1, 11017)]
    [InlineData(2000, 2, 29, 11016)]
    [InlineData(1900, 3, 1, -25508)]
    [InlineData(-1, 12, 31, -719529)]
    [InlineData(0, 1, 1, -719528)]
    public void DaysFromCivil_AroundLeapRulesAndYearZero(long year, int month, int day, long expected) =>
        Assert.Equal(expected, PgTemporal.DaysFromCivil(year, month, day));

    [Theory]
    [InlineData("NaN", true)]
    [InlineData("Infinity", true)]
    [InlineData("-Infinity", true)]
    [InlineData("nan", false)]
    [InlineData("1", false)]
    public void IsSpecial(string text, bool special) => Assert.Equal(special, PgNumeric.IsSpecial(text));

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData(".")]
    [InlineData("1.2.3")]
    [InlineData("1e5")]
    [InlineData("+1")]
    [InlineData(" 1")]
    public void Parse_NotANumeric_IsAFormatExceptionQuotingIt(string text) =>
        Assert.Contains($"'{text}' is not a PostgreSQL numeric", Assert.Throws<FormatException>(() => PgNumeric.Parse(text)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData(".5", 5, 1)]
    [InlineData("5.", 5, 0)]
    [InlineData("-0.50", -50, 2)]
    public void Parse_Forms(string text, long unscaled, int scale) => Assert.Equal((new BigInteger(unscaled), scale), PgNumeric.Parse(text));

    [Fact]
    public void AtScale_SameScale_IsTheValue_AndANonFittingValueSaysSo()
    {
        Assert.Equal(new BigInteger(150), PgNumeric.AtScale("1.50", 2));
        Assert.Contains("'1.55' does not fit scale 1", Assert.Throws<FormatException>(() => PgNumeric.AtScale("1.55", 1)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    [InlineData(0f, "0.0")]
    [InlineData(-0f, "-0.0")]
    [InlineData(-1.5f, "-1.5")]
    [InlineData(1e-3f, "0.001")]
    public void Float_Specials(float value, string expected) => Assert.Equal(expected, JavaNumberFormat.Format(value));

    [Theory]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(-1234567.0, "-1234567.0")]
    [InlineData(-1.0E-5, "-1.0E-5")]
    [InlineData(120.0, "120.0")]
    [InlineData(1.0E-3, "0.001")]
    [InlineData(9.999999999999998E-4, "9.999999999999998E-4")]
    public void Double_MoreForms(double value, string expected) => Assert.Equal(expected, JavaNumberFormat.Format(value));
}

/// <summary>BigDecimal at the edges of .NET's decimal.</summary>
public sealed class BigDecimalTests
{
    private static readonly BigInteger Max96 = (BigInteger.One << 96) - 1;

    [Fact]
    public void TryToDecimal_Limits()
    {
        Assert.True(new BigDecimal(Max96, 0).TryToDecimal(out var max));
        Assert.Equal(decimal.MaxValue, max);
        Assert.True(new BigDecimal(-Max96, 0).TryToDecimal(out var min));
        Assert.Equal(decimal.MinValue, min);
        Assert.False(new BigDecimal(Max96 + 1, 0).TryToDecimal(out _));
        Assert.True(new BigDecimal(1, 28).TryToDecimal(out var tiny));
        Assert.Equal(0.0000000000000000000000000001m, tiny);
        Assert.False(new BigDecimal(1, 29).TryToDecimal(out _));
    }

    [Theory]
    [InlineData("1", 2, "0.01")]
    [InlineData("-123", -2, "-12300")]
    [InlineData("0", -3, "0")]
    [InlineData("0", 0, "0")]
    [InlineData("-5", 0, "-5")]
    [InlineData("4294967296", 0, "4294967296")]      // needs the middle 32 bits
    [InlineData("18446744073709551616", 0, "18446744073709551616")] // needs the high 32 bits
    [InlineData("-120000", 2, "-1200.00")]
    public void Exact_InBothForms(string unscaled, int scale, string expected)
    {
        var value = new BigDecimal(BigInteger.Parse(unscaled, System.Globalization.CultureInfo.InvariantCulture), scale);

        Assert.Equal(expected, value.ToString());
        Assert.True(value.TryToDecimal(out var d));
        Assert.Equal(expected, d.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
