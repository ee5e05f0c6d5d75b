using System.Numerics;
using Strangler.Cdc.Consumer;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Tests.Consumer;

/// <summary>
/// The reader against events that are broken in one place: a MalformedEventException naming the place, never
/// another exception and never a silently different value; and against valid edge values: the exact value.
/// </summary>
public sealed class ReaderStrictnessTests
{
    /// <summary>A complete schema'd create event of table t(id int, c) with column <c>c</c> as given.</summary>
    internal static string Event(string columnSchema, string columnValue, string source = "null", string extraPayload = "") =>
        "{\"schema\":{\"type\":\"struct\",\"fields\":[" +
        $"{{\"type\":\"struct\",\"fields\":[{{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"}},{columnSchema}],\"optional\":true,\"name\":\"pg.public.t.Value\",\"field\":\"before\"}}," +
        $"{{\"type\":\"struct\",\"fields\":[{{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"}},{columnSchema}],\"optional\":true,\"name\":\"pg.public.t.Value\",\"field\":\"after\"}}," +
        "{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":true,\"field\":\"lsn\"},{\"type\":\"string\",\"optional\":true,\"field\":\"sequence\"}],\"optional\":true,\"name\":\"io.debezium.connector.postgresql.Source\",\"field\":\"source\"}," +
        "{\"type\":\"string\",\"optional\":false,\"field\":\"op\"}],\"optional\":false,\"name\":\"pg.public.t.Envelope\",\"version\":2}," +
        $"\"payload\":{{\"before\":null,\"after\":{{\"id\":1,\"c\":{columnValue}}},\"source\":{source},\"op\":\"c\"{extraPayload}}}}}";

    private const string Decimal2 = """{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"field":"c"}""";

    private static string DecimalWithScale(string scale) =>
        $$"""{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"{{scale}}"},"field":"c"}""";

    private static object? Decode(string value) => DebeziumEventReader.Read(null, value, "t@1").After!["c"];

    private static string Base64(BigInteger unscaled) => $"\"{Convert.ToBase64String(unscaled.ToByteArray(false, true))}\"";

    public static TheoryData<string, string> Malformed() => new()
    {
        // Each: the event, and the text the reason must contain.
        { Event(Decimal2, "\"\""), "empty Base64" },
        { Event(Decimal2, "\"!!\""), "Base64" },
        { Event(DecimalWithScale(""), "\"AA==\""), "parameters.scale" },
        { Event(DecimalWithScale("two"), "\"AA==\""), "parameters.scale" },
        { Event("""{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"field":"c"}""", "\"AA==\""), "parameters.scale" },
        { Event("""{"type":"int32","optional":true,"field":"c"}""", "3000000000"), "int32's range" },
        { Event("""{"type":"int16","optional":true,"field":"c"}""", "100000"), "int16's range" },
        { Event("""{"type":"int8","optional":true,"field":"c"}""", "-129"), "int8's range" },
        { Event("""{"type":"int64","optional":true,"field":"c"}""", "1.5"), "whole number" },
        { Event("""{"type":"int64","optional":true,"field":"c"}""", "\"7\""), "whole number" },
        { Event("""{"type":"int64","optional":true,"field":"c"}""", "1e40"), "whole number" },
        { Event("""{"type":"float","optional":true,"field":"c"}""", "1e39"), "float's range" },
        { Event("""{"type":"double","optional":true,"field":"c"}""", "\"lots\""), "not a number" },
        { Event("""{"type":"boolean","optional":true,"field":"c"}""", "1"), "boolean" },
        { Event("""{"type":"string","optional":false,"field":"c"}""", "null"), "not optional" },
        { Event("""{"type":"string","optional":true,"field":"c"}""", "5"), "string" },
        { Event("""{"type":"bytes","optional":true,"field":"c"}""", "\"%%%\""), "Base64" },
        { Event("""{"type":"int32","optional":true,"name":"io.debezium.time.Date","version":1,"field":"c"}""", "1.5"), "whole number" },
        { Event("""{"type":"int64","optional":true,"name":"io.debezium.time.MicroTime","version":1,"field":"c"}""", "86400000001"), "time of day" },
        { Event("""{"type":"int64","optional":true,"name":"io.debezium.time.MicroTime","version":1,"field":"c"}""", "-1"), "time of day" },
        { Event("""{"type":"int32","optional":true,"name":"io.debezium.time.Time","version":1,"field":"c"}""", "86400001"), "time of day" },
        { Event("""{"type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp","version":1,"field":"c"}""", "\"2020-13-01T00:00:00Z\""), "valid date-time" },
        { Event("""{"type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp","version":1,"field":"c"}""", "\"yesterday\""), "ISO-8601" },
        { Event("""{"type":"string","optional":true,"name":"io.debezium.data.Uuid","version":1,"field":"c"}""", "\"not-a-uuid\""), "UUID" },
        { Event("""{"type":"string","optional":true,"name":"io.debezium.data.Json","version":1,"field":"c"}""", "\"{nope\""), "not JSON" },
        { Event("""{"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":"a,b"},"field":"c"}""", "\"z\""), "enum" },
        { Event("""{"type":"struct","optional":true,"name":"io.debezium.data.VariableScaleDecimal","version":1,"fields":[],"field":"c"}""", "{\"scale\":1}"), "VariableScaleDecimal" },
        { Event("""{"type":"struct","optional":true,"name":"io.debezium.data.VariableScaleDecimal","version":1,"fields":[],"field":"c"}""", "{\"scale\":\"1\",\"value\":\"AQ==\"}"), "scale" },
        { Event("""{"type":"int32","optional":true}""", "1"), "'field' name" },
        { Event("""{"optional":true,"field":"c"}""", "1"), "no 'type'" },
        { Event("""{"type":"mystery","optional":true,"field":"c"}""", "1"), "unknown type" },
        { Event("""{"type":"array","optional":true,"field":"c"}""", "[1]"), "items" },
        { Event("""{"type":"array","items":{"type":"int16"},"optional":true,"field":"c"}""", "[1,70000]"), "c[1]" },
        { Event("""{"type":"string","optional":true,"field":"c"}""", "\"x\"", source: "{\"lsn\":\"1\",\"sequence\":null}"), "source.lsn" },
        { Event("""{"type":"string","optional":true,"field":"c"}""", "\"x\"", source: "{\"lsn\":1,\"sequence\":\"[1,2]\"}"), "sequence" },
        { Event("""{"type":"string","optional":true,"field":"c"}""", "\"x\"", extraPayload: ",\"extra\":1"), "not in the schema" },
        { """{"schema":{"type":"struct","fields":{"after":1}},"payload":{"op":"c"}}""", "'fields' array" },
        { """{"schema":{"type":"struct","fields":[{"type":"string","field":"op"},{"type":"struct","fields":[{"type":"int32","field":"id"},{"type":"int32","optional":true,"field":"gone"}],"optional":true,"field":"after"}]},"payload":{"op":"c","after":{"id":1}}}""", "after.gone is missing" },
        { """{"schema":"nope","payload":{"op":"c"}}""", "schema" },
        { """{"before":null,"after":{"id":1},"op":"d"}""", "without 'before'" },
        { """{"before":null,"after":{"id":1},"op":"c","source":{"lsn":"1"}}""", "source.lsn" },
        { """{"before":null,"after":{"id":1},"op":"c","source":{"txId":1.5}}""", "source.txId" },
        { """{"before":null,"after":[1],"op":"c"}""", "not an object" },
        { """{"before":null,"after":{"id":1},"op":5}""", "no 'op'" },
        { """{"after":{"id":1},"after":{"id":2},"op":"c"}""", "not JSON" },
        { new string('[', 200) + new string(']', 200), "not JSON" },
        { Event("""{"type":"map","keys":{"type":"string"},"values":{"type":"int8"},"optional":true,"field":"c"}""", "{\"a\":1,\"b\":300}"), "c.b = 300" },
        { Event("""{"type":"map","keys":{"type":"int32"},"values":{"type":"string"},"optional":true,"field":"c"}""", "[[1,\"x\"],[2]]"), "[key, value] pair" },
        { Event("""{"type":"map","keys":{"type":"int32"},"values":{"type":"string"},"optional":true,"field":"c"}""", "[[\"k\",\"x\"]]"), "c key" },
        { Event("""{"type":"map","keys":{"type":"int32"},"values":{"type":"string"},"optional":true,"field":"c"}""", "[[1,2]]"), "c value" },
        { Event("""{"type":"map","keys":{"type":"string"},"values":{"type":"string"},"optional":true,"field":"c"}""", "5"), "its schema says map" },
        { Event("""{"type":"map","optional":true,"field":"c"}""", "{}"), "'keys' and 'values'" },
        { Event("""{"type":"int64","optional":true,"name":"io.debezium.time.NanoTime","version":1,"field":"c"}""", "150"), "100 ns" },
        { Event("""{"type":"int64","optional":true,"name":"io.debezium.time.NanoTime","version":1,"field":"c"}""", "86400000000100"), "time of day" },
        { Event("""{"type":"struct","fields":[{"type":"int32","field":"x"}],"optional":true,"field":"c"}""", "[1]"), "its schema says struct" },
        { Event("""{"type":"struct","fields":[{"type":"int32","field":"x"},{"type":"int32","field":"x"}],"optional":true,"field":"c"}""", "{\"x\":1}"), "lists 'x' twice" },
        { Event("""{"type":"struct","fields":[{"type":"int32","field":"x"}],"optional":true,"field":"c"}""", "{\"x\":\"1\"}"), "c.x" },
        { Event("""{"type":"double","optional":true,"field":"c"}""", "1e400"), "double's range" },
        { Event("""{"type":"double","optional":true,"field":"c"}""", "true"), "its schema says double" },
        { Event("""{"type":"float","optional":true,"field":"c"}""", "[]"), "its schema says float" },
        { Event(DecimalWithScale("1"), "\"1\""), "Base64" },
        { Event("""{"type":"string","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"1"},"field":"c"}""", "\"AA==\""), "must be bytes" },
        { Event(DecimalWithScale("1"), "1.2.3"), "not JSON" },
        { Event("""{"type":"struct","optional":true,"name":"io.debezium.data.VariableScaleDecimal","version":1,"fields":[],"field":"c"}""", "{\"scale\":1,\"value\":\"\"}"), "empty Base64" },
        { Event("""{"type":"struct","optional":true,"name":"io.debezium.data.VariableScaleDecimal","version":1,"fields":[],"field":"c"}""", "{\"scale\":1,\"value\":\"AQ==\",\"x\":1}"), "exactly 'scale' and 'value'" },
        { Event("""{"type":"string","optional":true,"name":"io.debezium.time.ZonedTime","version":1,"field":"c"}""", "\"25:00\""), "time with offset" },
        { Event("""{"type":"int64","optional":true,"name":"io.debezium.time.MicroTime","version":1,"field":"c"}""", "\"1\""), "whole number" },
        { """{"schema":{"type":"string"},"payload":{"op":"c"}}""", "not a struct schema" },
        { """{"schema":{"type":"struct","fields":[{"type":"string","field":"op"}]},"payload":[]}""", "payload is not a JSON object" },
        { """{"before":null,"after":{"id":1},"op":"c","source":{"snapshot":1}}""", "source.snapshot" },
        { """{"before":null,"after":{"id":1},"op":"c","source":{"table":5}}""", "source.table" },
        { """{"before":null,"after":{"id":1},"op":"c","source":[]}""", "'source'" },
        { """{"before":null,"after":{"id":1},"op":"c","source":{"sequence":"[\"12\",\"x\"]"}}""", "sequence" },
        { """{"before":null,"after":{"id":1},"op":"c","source":{"sequence":"nope"}}""", "sequence" },
        { """{"before":null,"after":null,"op":"u"}""", "without 'after'" },
        { """{"before":null,"after":null,"op":"r"}""", "without 'after'" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Read_MalformedInOnePlace_ThrowsMalformedEventExceptionSayingWhere(string value, string reason)
    {
        var error = Assert.Throws<MalformedEventException>(() => DebeziumEventReader.Read(null, value, "topic@42"));

        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.Equal("topic@42", error.Position);
    }

    [Fact]
    public void Decimal_KeepsItsScale()
    {
        var value = Decode(Event(Decimal2, Base64(120000)));

        Assert.Equal(1200.00m, value);
        Assert.Equal("1200.00", ((decimal)value!).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("-2", 123, "12300")]
    [InlineData("0", -5, "-5")]
    [InlineData("28", 1, "0.0000000000000000000000000001")]
    public void Decimal_AnyValidScale_IsExact(string scale, long unscaled, string expected) =>
        Assert.Equal(expected, ((decimal)Decode(Event(DecimalWithScale(scale), Base64(unscaled)))!).ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Theory]
    [InlineData("40", "1", "0.0000000000000000000000000000000000000001")]
    [InlineData("0", "1234567890123456789012345678901234567890", "1234567890123456789012345678901234567890")]
    [InlineData("2", "-99999999999999999999999999999999999999999999", "-999999999999999999999999999999999999999999.99")]
    public void Decimal_BeyondDotNetsDecimal_IsAnExactBigDecimal(string scale, string unscaled, string expected)
    {
        var value = Decode(Event(DecimalWithScale(scale), Base64(BigInteger.Parse(unscaled, System.Globalization.CultureInfo.InvariantCulture))));

        Assert.Equal(expected, Assert.IsType<BigDecimal>(value).ToString());
    }

    [Theory]
    [InlineData(300_000_000_000_000_000L)] // year ~11476
    [InlineData(9_223_372_036_854_775_807L)] // would have wrapped to 1970
    [InlineData(-9_000_000_000_000_000_000L)]
    public void MicroTimestamp_OutsideDateTimesRange_IsATemporalValueWithTheRawNumber(long micros)
    {
        var value = Decode(Event("""{"type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp","version":1,"field":"c"}""", micros.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var temporal = Assert.IsType<TemporalValue>(value);
        Assert.Equal(micros, temporal.Raw);
        Assert.False(temporal.IsInfinite);
    }

    [Theory]
    [InlineData("io.debezium.time.MicroTimestamp", "int64", "9223372036825200000", true)]
    [InlineData("io.debezium.time.MicroTimestamp", "int64", "-9223372036832400000", false)]
    [InlineData("io.debezium.time.Timestamp", "int64", "9223372036825200", true)]
    [InlineData("io.debezium.time.Date", "int32", "-2147472692", true)]
    [InlineData("io.debezium.time.Date", "int32", "-2147472691", false)]
    public void DebeziumsInfinitySentinels_AreInfiniteTemporalValues(string name, string type, string raw, bool positive)
    {
        var value = Decode(Event($$"""{"type":"{{type}}","optional":true,"name":"{{name}}","version":1,"field":"c"}""", raw));

        var temporal = Assert.IsType<TemporalValue>(value);
        Assert.Equal(positive, temporal.IsPositiveInfinity);
        Assert.Equal(!positive, temporal.IsNegativeInfinity);
    }

    [Fact]
    public void Date_FarFuture_IsATemporalValue_NotAnException() =>
        Assert.Equal(5_000_000L, Assert.IsType<TemporalValue>(Decode(Event("""{"type":"int32","optional":true,"name":"io.debezium.time.Date","version":1,"field":"c"}""", "5000000"))).Raw);

    [Theory]
    [InlineData("\"+21016-11-04T06:51:30.123456Z\"")]
    [InlineData("\"-4713-12-31T23:59:59.999999Z\"")]
    [InlineData("\"infinity\"")]
    public void ZonedTimestamp_OutsideDateTimeOffset_IsATemporalValueWithTheText(string json) =>
        Assert.Equal(json.Trim('"'), Assert.IsType<TemporalValue>(Decode(Event("""{"type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp","version":1,"field":"c"}""", json))).ToString());

    [Fact]
    public void ZonedTimestamp_InRange_IsExactToTheMicrosecond() =>
        Assert.Equal(new DateTimeOffset(2016, 11, 4, 11, 51, 30, TimeSpan.Zero).AddTicks(1234560),
            Decode(Event("""{"type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp","version":1,"field":"c"}""", "\"2016-11-04T11:51:30.123456Z\"")));

    [Fact]
    public void NullForANonOptionalFieldWithADefault_IsTheDefault() =>
        Assert.Equal(42L, Decode(Event("""{"type":"int32","optional":false,"default":42,"field":"c"}""", "null")));

    [Theory]
    [InlineData("{\"type\":\"int16\",\"optional\":true,\"field\":\"c\"}", "-32768", -32768L)]
    [InlineData("{\"type\":\"int32\",\"optional\":true,\"field\":\"c\"}", "2147483647", 2147483647L)]
    [InlineData("{\"type\":\"int64\",\"optional\":true,\"field\":\"c\"}", "-9223372036854775808", long.MinValue)]
    public void Integers_AtTheirLimits_AreAccepted(string schema, string value, long expected) => Assert.Equal(expected, Decode(Event(schema, value)));

    [Fact]
    public void Maps_ArraysAndStructs_AreValidatedAndKept()
    {
        Assert.Equal("{\"a\":1}", ((System.Text.Json.JsonElement)Decode(Event("""{"type":"map","keys":{"type":"string"},"values":{"type":"int8"},"optional":true,"field":"c"}""", "{\"a\":1}"))!).GetRawText());
        Assert.Equal("[[1,\"x\"]]", ((System.Text.Json.JsonElement)Decode(Event("""{"type":"map","keys":{"type":"int32"},"values":{"type":"string"},"optional":true,"field":"c"}""", "[[1,\"x\"]]"))!).GetRawText());
        Assert.Equal("[1,2]", ((System.Text.Json.JsonElement)Decode(Event("""{"type":"array","items":{"type":"int16"},"optional":true,"field":"c"}""", "[1,2]"))!).GetRawText());
        Assert.Equal("{\"x\":1}", ((System.Text.Json.JsonElement)Decode(Event("""{"type":"struct","fields":[{"type":"int32","field":"x"}],"optional":true,"field":"c"}""", "{\"x\":1}"))!).GetRawText());
    }

    [Fact]
    public void NanoTemporalValues_AreExactWhenDotNetCanHoldThem()
    {
        Assert.Equal(TimeSpan.FromTicks(15), Decode(Event("""{"type":"int64","optional":true,"name":"io.debezium.time.NanoTime","version":1,"field":"c"}""", "1500")));
        Assert.Equal(DateTime.UnixEpoch.AddTicks(15), Decode(Event("""{"type":"int64","optional":true,"name":"io.debezium.time.NanoTimestamp","version":1,"field":"c"}""", "1500")));
        Assert.Equal(1501L, Assert.IsType<TemporalValue>(Decode(Event("""{"type":"int64","optional":true,"name":"io.debezium.time.NanoTimestamp","version":1,"field":"c"}""", "1501"))).Raw);
        Assert.Equal(new DateTime(1970, 1, 1, 0, 0, 1, DateTimeKind.Utc), Decode(Event("""{"type":"int64","optional":true,"name":"io.debezium.time.Timestamp","version":1,"field":"c"}""", "1000")));
    }

    [Theory]
    [InlineData("12.50", "12.50")]
    [InlineData("-1e-2", "-0.01")]
    [InlineData("1.5E2", "150")]
    [InlineData("7", "7")]
    public void Decimal_WrittenAsANumber_IsExact(string json, string expected) =>
        Assert.Equal(expected, ((decimal)Decode(Event(DecimalWithScale("2"), json))!).ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Theory]
    [InlineData("{\"type\":\"double\",\"optional\":true,\"field\":\"c\"}", "\"NaN\"", double.NaN)]
    [InlineData("{\"type\":\"double\",\"optional\":true,\"field\":\"c\"}", "\"-Infinity\"", double.NegativeInfinity)]
    [InlineData("{\"type\":\"float\",\"optional\":true,\"field\":\"c\"}", "\"Infinity\"", double.PositiveInfinity)]
    [InlineData("{\"type\":\"float\",\"optional\":true,\"field\":\"c\"}", "3.4e38", 3.4e38)]
    [InlineData("{\"type\":\"double\",\"optional\":true,\"field\":\"c\"}", "1e300", 1e300)]
    public void FloatingPoint_FiniteAndQuotedSpecials(string schema, string json, double expected) => Assert.Equal(expected, Decode(Event(schema, json)));

    [Fact]
    public void Bytes_EmptyIsAValidValue_AndStringsAndBooleansDecode()
    {
        Assert.Equal([], (byte[])Decode(Event("""{"type":"bytes","optional":true,"field":"c"}""", "\"\""))!);
        Assert.Equal(true, Decode(Event("""{"type":"boolean","optional":true,"field":"c"}""", "true")));
        Assert.Equal("x", Decode(Event("""{"type":"string","optional":true,"field":"c"}""", "\"x\"")));
        Assert.Equal("11:51:30.123Z", Decode(Event("""{"type":"string","optional":true,"name":"io.debezium.time.ZonedTime","version":1,"field":"c"}""", "\"11:51:30.123Z\"")));
        Assert.Equal("{\"k\":1}", Decode(Event("""{"type":"string","optional":true,"name":"io.debezium.data.Json","version":1,"field":"c"}""", "\"{\\\"k\\\":1}\"")));
    }

    [Fact]
    public void ZonedTimestamp_WithOffsetAndNoSeconds_IsExact()
    {
        Assert.Equal(new DateTimeOffset(2020, 1, 2, 3, 4, 0, TimeSpan.FromHours(5.5)),
            Decode(Event("""{"type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp","version":1,"field":"c"}""", "\"2020-01-02T03:04+05:30\"")));
        Assert.IsType<TemporalValue>(Decode(Event("""{"type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp","version":1,"field":"c"}""", "\"2020-01-02T03:04:05.123456789Z\"")));
        Assert.Equal(new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234567),
            Decode(Event("""{"type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp","version":1,"field":"c"}""", "\"2020-01-02T03:04:05.123456700Z\"")));
    }

    [Fact]
    public void Record_FromTheEmbeddedSink_IsDecodedWithItsTopicAndLsnAsPosition()
    {
        var record = new Strangler.Cdc.Events.ChangeRecord("pg.public.t", System.Text.Encoding.UTF8.GetBytes("{\"id\":1}"), null, 77);
        Assert.Equal(ChangeOperation.Tombstone, DebeziumEventReader.Read(record).Operation);
        Assert.Equal(1L, DebeziumEventReader.Read(record).Key!["id"]);
        var broken = record with { Value = System.Text.Encoding.UTF8.GetBytes("{") };
        Assert.Equal("pg.public.t@77", Assert.Throws<MalformedEventException>(() => DebeziumEventReader.Read(broken)).Position);
        Assert.Null(DebeziumEventReader.Read(record with { Key = null }).Key);
    }

    [Fact]
    public void Schemaless_NumbersAreLongOrExactDecimal()
    {
        var change = DebeziumEventReader.Read(null, """{"before":null,"after":{"a":1,"b":1.50,"c":12345678901234567890123456789012,"d":true,"e":false,"f":null,"g":[1]},"op":"c"}""", "p");

        Assert.Equal(1L, change.After!["a"]);
        Assert.Equal("1.50", ((decimal)change.After["b"]!).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("12345678901234567890123456789012", Assert.IsType<BigDecimal>(change.After["c"]).ToString());
        Assert.Equal(true, change.After["d"]);
        Assert.Equal(false, change.After["e"]);
        Assert.Null(change.After["f"]);
        Assert.Equal(System.Text.Json.JsonValueKind.Array, ((System.Text.Json.JsonElement)change.After["g"]!).ValueKind);
    }

    [Fact]
    public void DecodeValue_WithAndWithoutASchema()
    {
        using var value = System.Text.Json.JsonDocument.Parse("5");
        using var schema = System.Text.Json.JsonDocument.Parse("""{"type":"int16"}""");
        Assert.Equal(5L, DebeziumEventReader.DecodeValue(value.RootElement, schema.RootElement));
        Assert.Equal(5L, DebeziumEventReader.DecodeValue(value.RootElement, null));
        using var big = System.Text.Json.JsonDocument.Parse("70000");
        Assert.Throws<MalformedEventException>(() => DebeziumEventReader.DecodeValue(big.RootElement, schema.RootElement));
    }

    [Fact]
    public void MicroTime_AtMidnightEnd_IsADay() =>
        Assert.Equal(TimeSpan.FromDays(1), Decode(Event("""{"type":"int64","optional":true,"name":"io.debezium.time.MicroTime","version":1,"field":"c"}""", "86400000000")));
}
