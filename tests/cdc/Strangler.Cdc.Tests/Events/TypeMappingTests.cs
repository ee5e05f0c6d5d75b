using System.Text.Json;
using Strangler.Cdc.Consumer;
using Strangler.Cdc.Events;
using Strangler.Testing;

namespace Strangler.Cdc.Tests.Events;

/// <summary>Every mapped PostgreSQL type, encoded as Debezium does and decoded back by our reader.</summary>
public sealed class TypeMappingTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const string Table = """
        CREATE TYPE {0}_mood AS ENUM ('sad', 'ok', 'happy');
        CREATE TABLE {0} (
            id bigint PRIMARY KEY, small smallint, normal integer, money numeric(10,2), free numeric, ratio double precision,
            approx real, label text, code varchar(20), flag boolean, ref uuid, doc jsonb, raw json, at timestamptz,
            local timestamp, day date, clock time, blob bytea, mood {0}_mood);
        INSERT INTO {0} VALUES (1, -7, 123456, 1200.00, 3.14159, 2.5, 1.25, 'héllo', 'X-1', true,
            'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{{"k": [1, 2]}}', '{{"j":1}}', '2026-01-02 03:04:05.123456+02',
            '2026-01-02 03:04:05.5', '2026-01-02', '13:14:15.25', '\x0102ff', 'happy');
        """;

    private async Task<JsonElement> CaptureAsync(string name, Action<Strangler.Cdc.Capture.CdcOptions>? configure = null)
    {
        await using var cdc = new CdcHarness(database.ConnectionString, name, $"public.{name}");
        configure?.Invoke(cdc.Options);
        await cdc.ExecuteAsync(Table.Replace("{0}", name, StringComparison.Ordinal).Replace("{{", "{", StringComparison.Ordinal).Replace("}}", "}", StringComparison.Ordinal));
        await cdc.StartAsync();
        await cdc.WaitForAsync(r => r.Count >= 1, "the snapshot row");
        var value = CdcHarness.Text(cdc.DataRecords.First().Value);
        await cdc.StopAsync();
        Captured = (CdcHarness.Text(cdc.DataRecords.First().Key), value);
        return JsonDocument.Parse(value).RootElement.GetProperty("payload").GetProperty("after").Clone();
    }

    private (string Key, string Value) Captured { get; set; }

    [Fact]
    public async Task PreciseMode_EncodesEachTypeAsDebeziumDoes()
    {
        var after = await CaptureAsync("types_precise");

        Assert.Equal(-7, after.GetProperty("small").GetInt32());
        Assert.Equal(123456, after.GetProperty("normal").GetInt32());
        Assert.Equal("AdTA", after.GetProperty("money").GetString()); // 120000 at scale 2
        Assert.Equal(5, after.GetProperty("free").GetProperty("scale").GetInt32());
        Assert.Equal(Convert.ToBase64String(new System.Numerics.BigInteger(314159).ToByteArray(false, true)), after.GetProperty("free").GetProperty("value").GetString());
        Assert.Equal(2.5, after.GetProperty("ratio").GetDouble());
        Assert.Equal(1.25, after.GetProperty("approx").GetDouble());
        Assert.Equal("héllo", after.GetProperty("label").GetString());
        Assert.True(after.GetProperty("flag").GetBoolean());
        Assert.Equal("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", after.GetProperty("ref").GetString());
        Assert.Equal("""{"k": [1, 2]}""", after.GetProperty("doc").GetString());
        Assert.Equal("2026-01-02T01:04:05.123456Z", after.GetProperty("at").GetString());
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, 500, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000, after.GetProperty("local").GetInt64());
        Assert.Equal(new DateOnly(2026, 1, 2).DayNumber - new DateOnly(1970, 1, 1).DayNumber, after.GetProperty("day").GetInt32());
        Assert.Equal(new TimeSpan(0, 13, 14, 15, 250).Ticks / 10, after.GetProperty("clock").GetInt64());
        Assert.Equal("AQL/", after.GetProperty("blob").GetString());
        Assert.Equal("happy", after.GetProperty("mood").GetString());
        Assert.Contains("\"name\":\"io.debezium.data.Enum\",\"version\":1,\"parameters\":{\"allowed\":\"sad,ok,happy\"}", Captured.Value, StringComparison.Ordinal);
        Assert.Contains("\"parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":\"10\"},\"field\":\"money\"", Captured.Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PreciseMode_ReaderDecodesEveryValueBackToTheStoredOne()
    {
        await CaptureAsync("types_roundtrip");

        var change = DebeziumEventReader.Read(Captured.Key, Captured.Value, "test");
        var after = change.After!;

        Assert.Equal(ChangeOperation.Read, change.Operation);
        Assert.Equal(1L, change.Key!["id"]);
        Assert.Equal(-7L, after["small"]);
        Assert.Equal(1200.00m, after["money"]);
        Assert.Equal(3.14159m, after["free"]);
        Assert.Equal(2.5, after["ratio"]);
        Assert.Equal(new Guid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), after["ref"]);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 1, 4, 5, TimeSpan.Zero).AddTicks(1234560), after["at"]);
        Assert.Equal(new DateTime(2026, 1, 2, 3, 4, 5, 500, DateTimeKind.Utc), after["local"]);
        Assert.Equal(new DateOnly(2026, 1, 2), after["day"]);
        Assert.Equal(new TimeSpan(0, 13, 14, 15, 250), after["clock"]);
        Assert.Equal(new byte[] { 1, 2, 255 }, after["blob"]);
        Assert.Equal("happy", after["mood"]);
        Assert.True((bool)after["flag"]!);
        Assert.Equal("last", change.Source!.Snapshot);
        Assert.Equal("types_roundtrip", change.Source.Table);
    }

    [Fact]
    public async Task StringAndDoubleDecimalModes_WriteNumbersAsStringOrDouble()
    {
        var asString = await CaptureAsync("types_string", o => o.DecimalHandling = DecimalHandling.String);
        var asDouble = await CaptureAsync("types_double", o => o.DecimalHandling = DecimalHandling.Double);

        Assert.Equal("1200.00", asString.GetProperty("money").GetString());
        Assert.Equal("3.14159", asString.GetProperty("free").GetString());
        Assert.Equal(1200.0, asDouble.GetProperty("money").GetDouble());
        Assert.Equal(3.14159, asDouble.GetProperty("free").GetDouble());
    }

}
