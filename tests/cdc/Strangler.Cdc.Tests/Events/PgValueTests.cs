using System.Globalization;
using System.Numerics;
using Strangler.Cdc.Capture;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Tests.Events;

/// <summary>
/// The pure conversions from PostgreSQL's text output to Debezium's values, each expected value worked out by
/// hand or taken from Debezium's own tests (AbstractRecordsProducerTest, PostgresValueConverter).
/// </summary>
public sealed class PgValueTests
{
    [Theory]
    [InlineData("1970-01-01", 0)]
    [InlineData("1970-01-02", 1)]
    [InlineData("1969-12-31", -1)]
    [InlineData("2016-11-04", 17109)]
    [InlineData("2000-02-29", 11016)]
    [InlineData("2100-03-01", 47541)]
    [InlineData("0001-01-01", -719162)]
    [InlineData("0001-12-31 BC", -719163)] // 1 BC is year 0
    [InlineData("4713-12-31 BC", -2440185)] // Debezium: -4712-12-31, proleptic Gregorian
    [InlineData("21016-11-04", 6_956_716)] // PostgreSQL: date '21016-11-04' - date '1970-01-01'
    [InlineData("infinity", -2147472692)] // Debezium maps it to LocalDate -5877611-06-21
    [InlineData("-infinity", -2147472691)]
    public void Days_EveryRange_AsDebezium(string text, int expected) => Assert.Equal(expected, PgTemporal.Days(text));

    [Theory]
    [InlineData("2016-11-04 13:51:30.123456", 1478267490123456)]
    [InlineData("1936-10-25 22:10:12.608", -1047174587392000)]
    [InlineData("1970-01-01 00:00:00", 0)]
    [InlineData("1969-12-31 23:59:59.999999", -1)]
    [InlineData("294247-01-01 23:59:59.999999", 9223371331199999999)] // Debezium ts_max
    [InlineData("4713-12-31 23:59:59.999999 BC", -210831897600000001)] // Debezium ts_min
    [InlineData("infinity", 9223372036825200000)] // pgjdbc DATE_POSITIVE_INFINITY
    [InlineData("-infinity", -9223372036832400000)]
    public void TimestampMicros_EveryRange_AsDebezium(string text, long expected) => Assert.Equal(expected, PgTemporal.TimestampMicros(text));

    [Theory]
    [InlineData("00:00:00", 0)]
    [InlineData("13:51:30", 49890000000)]
    [InlineData("13:51:30.123", 49890123000)]
    [InlineData("13:51:30.123456", 49890123456)]
    [InlineData("24:00:00", 86400000000)] // not 24 days
    public void TimeMicros_IncludingMidnightAtTheEnd(string text, long expected) => Assert.Equal(expected, PgTemporal.TimeMicros(text));

    [Theory]
    [InlineData("2016-11-04 11:51:30.123456+00", 6, "2016-11-04T11:51:30.123456Z")]
    [InlineData("2016-11-04 13:51:30.123456+02", 6, "2016-11-04T11:51:30.123456Z")]
    [InlineData("2020-04-01 11:51:02+00", 6, "2020-04-01T11:51:02.000000Z")]
    [InlineData("2020-04-01 11:51:02.5+00", 3, "2020-04-01T11:51:02.500Z")]
    [InlineData("2020-04-01 11:51:02+00", 0, "2020-04-01T11:51:02Z")]
    [InlineData("21016-11-04 06:51:30.123456+00", 6, "+21016-11-04T06:51:30.123456Z")]
    [InlineData("294247-01-01 23:59:59.999999+00", 6, "+294247-01-01T23:59:59.999999Z")]
    [InlineData("4714-12-31 23:59:59.999999+00 BC", 6, "-4713-12-31T23:59:59.999999Z")]
    [InlineData("0001-01-01 00:30:00+01", 6, "0000-12-31T23:30:00.000000Z")]
    [InlineData("infinity", 6, "infinity")]
    [InlineData("-infinity", 6, "-infinity")]
    public void ZonedTimestamp_FractionAtColumnPrecision_JavaYears(string text, int precision, string expected) =>
        Assert.Equal(expected, PgTemporal.ZonedTimestamp(text, precision));

    [Theory]
    [InlineData("13:51:30.123789+02", "11:51:30.123789Z")]
    [InlineData("13:51:30.123+02", "11:51:30.123Z")]
    [InlineData("00:01:02-11", "11:01:02Z")]
    [InlineData("01:00:00+05:30", "19:30:00Z")]
    public void ZonedTime_InUtc_TrailingZerosTrimmed(string text, string expected) => Assert.Equal(expected, PgTemporal.ZonedTime(text));

    [Theory]
    [InlineData("2016-13-01")]
    [InlineData("16-11-04")]
    [InlineData("2016-11-04 25:00:00")]
    [InlineData("2016-11-04T13:51:30")]
    [InlineData("yesterday")]
    [InlineData("")]
    public void MalformedTemporalText_IsAFormatException(string text) =>
        Assert.Throws<FormatException>(() => PgTemporal.TimestampMicros(text));

    [Theory]
    [InlineData("1200.00", 2, 120000)]
    [InlineData("-10.5", 2, -1050)]
    [InlineData("0", 3, 0)]
    [InlineData("12300", -2, 123)]
    [InlineData("-12300", -2, -123)]
    [InlineData("0.000", 3, 0)]
    public void AtScale_IsTheExactUnscaledValue(string text, int scale, long expected) =>
        Assert.Equal(new BigInteger(expected), PgNumeric.AtScale(text, scale));

    [Fact]
    public void AtScale_WhenTheValueDoesNotFit_IsAFormatException() =>
        Assert.Throws<FormatException>(() => PgNumeric.AtScale("12345", -2));

    [Theory]
    [InlineData("1200.00", "AdTA")]
    [InlineData("-0.01", "/w==")]
    [InlineData("1.28", "AIA=")] // 128 needs a sign byte
    [InlineData("0.00", "AA==")]
    public void Bytes_AreMinimalBigEndianTwosComplement(string text, string base64) =>
        Assert.Equal(base64, Convert.ToBase64String(PgNumeric.Bytes(PgNumeric.AtScale(text, 2))));

    [Fact]
    public void Bytes_OfA40DigitNumber_RoundTrip()
    {
        var text = "1234567890123456789012345678901234567890";
        Assert.Equal(BigInteger.Parse(text, CultureInfo.InvariantCulture), new BigInteger(PgNumeric.Bytes(PgNumeric.AtScale(text, 0)), false, true));
    }

    [Theory]
    [InlineData("1.50", 15, 1)]
    [InlineData("10.1111", 101111, 4)]
    [InlineData("100", 100, 0)]
    [InlineData("22.0000", 22, 0)]
    [InlineData("0.000", 0, 0)]
    public void Stripped_DropsTrailingZerosLikeDebeziumsVariableScaleDecimal(string text, long unscaled, int scale) =>
        Assert.Equal((new BigInteger(unscaled), scale), PgNumeric.Stripped(text));

    [Theory]
    [InlineData("NaN", "NAN")]
    [InlineData("Infinity", "POSITIVE_INFINITY")]
    [InlineData("-Infinity", "NEGATIVE_INFINITY")]
    [InlineData("1.50", "1.50")]
    public void AsString_NamesSpecialValuesAsDebezium(string text, string expected) => Assert.Equal(expected, PgNumeric.AsString(text));

    [Theory]
    [InlineData(655366, 10, 2)] // numeric(10,2)
    [InlineData(327686, 5, 2)]
    [InlineData(329730, 5, -2)] // numeric(5,-2): scale is 11-bit signed
    [InlineData(66540, 1, 1000)]
    [InlineData(-1, null, null)]
    public void NumericModifier_ReadsSignedScales(int typmod, int? precision, int? scale) =>
        Assert.Equal((precision, scale), ColumnInfo.NumericModifier(typmod));
}

/// <summary>Doubles and floats as Java's Double.toString / Float.toString write them (what Jackson puts in Debezium's JSON).</summary>
public sealed class JavaNumberFormatTests
{
    [Theory]
    [InlineData(1.0, "1.0")]
    [InlineData(100.0, "100.0")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(0.001, "0.001")]
    [InlineData(0.0001, "1.0E-4")]
    [InlineData(9999999.0, "9999999.0")]
    [InlineData(1e7, "1.0E7")]
    [InlineData(12345678.9, "1.23456789E7")]
    [InlineData(123456.789, "123456.789")]
    [InlineData(1.5e-5, "1.5E-5")]
    [InlineData(1e21, "1.0E21")]
    [InlineData(1e308, "1.0E308")]
    [InlineData(double.MaxValue, "1.7976931348623157E308")]
    [InlineData(double.Epsilon, "4.9E-324")]
    [InlineData(0.30000000000000004, "0.30000000000000004")]
    [InlineData(0.0, "0.0")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.NegativeInfinity, "-Infinity")]
    public void Double_AsJava(double value, string expected) => Assert.Equal(expected, JavaNumberFormat.Format(value));

    [Theory]
    [InlineData(3.4e38f, "3.4E38")]
    [InlineData(float.MaxValue, "3.4028235E38")]
    [InlineData(1.17549435e-38f, "1.1754944E-38")] // JDK 19+ (shortest); JDK 17 wrote 1.17549435E-38
    [InlineData(float.Epsilon, "1.4E-45")]
    [InlineData(0.1f, "0.1")]
    [InlineData(3.14f, "3.14")]
    [InlineData(16777216f, "1.6777216E7")]
    [InlineData(1.25f, "1.25")]
    public void Float_AsJava(float value, string expected) => Assert.Equal(expected, JavaNumberFormat.Format(value));
}
