using System.Text.Json;
using Strangler.Cdc.Capture;
using Strangler.Cdc.Events;
using Strangler.Testing;

namespace Strangler.Cdc.Tests.Events;

/// <summary>
/// Every temporal and numeric edge PostgreSQL accepts, through the real engine (snapshot and stream): encoded as
/// Debezium encodes it, with PostgreSQL itself as the oracle for finite values and Debezium's constants for the
/// infinities; and values no event can carry are dead-lettered, skipped or stop the connector — as configured.
/// </summary>
public sealed class EdgeValueTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const string Columns = "ts timestamp, ts3 timestamp(3), tstz timestamptz, tstz0 timestamptz(0), d date, t time, t3 time(3), ttz timetz, n numeric, n2 numeric(10,2), nneg numeric(5,-2), f float8, r real";

    private static readonly string[] Rows =
    [
        "1, 'infinity', 'infinity', 'infinity', 'infinity', 'infinity', '00:00', '00:00', '00:00+00', 0, 0, 0, 'NaN', 'Infinity'",
        "2, '-infinity', '-infinity', '-infinity', '-infinity', '-infinity', '23:59:59.999999', '23:59:59.999', '23:59:59.999999-12', -1.5, -1.50, -100, '-Infinity', '-Infinity'",
        "3, '4713-12-31 23:59:59.999999 BC', '0001-01-01 00:00:00 BC', '4714-12-31 23:59:59.999999+00 BC', '0044-03-15 12:00:00+00 BC', '0001-12-31 BC', '24:00:00', '24:00:00', '24:00:00+00', 1.50, 99999999.99, 12300, 1e308, 3.4e38",
        "4, '294247-01-01 23:59:59.999999', '21016-11-04 13:51:30.124', '294247-01-01 23:59:59.999999+00', '21016-11-04 13:51:30+07', '5874897-12-31', '13:51:30.123456', '13:51:30.123', '13:51:30.123789+02', 123456789012345678901234567890.123456789, 0.01, -99900, 5e-324, 1.17549435e-38",
        "5, '2016-11-04 13:51:30.123456', '1969-12-31 23:59:59.999', '2016-11-04 13:51:30.5+02', '1970-01-01 00:00:00+00', '1970-01-01', '00:00:00.000001', '00:00:00.001', '00:00:00.000001+14', 0.000, -0.01, 0, '-0', 0",
    ];

    private static JsonElement Payload(ChangeRecord record) => JsonDocument.Parse(record.Value!).RootElement.GetProperty("payload");

    [Fact]
    public async Task TemporalAndNumericEdges_SnapshotAndStream_EncodeAsDebezium()
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "edges", "public.edges");
        await cdc.ExecuteAsync($"CREATE TABLE edges (id int PRIMARY KEY, {Columns}); INSERT INTO edges VALUES ({string.Join("), (", Rows)});");
        await cdc.StartAsync();
        // The same values again through the stream.
        await cdc.ExecuteAsync($"INSERT INTO edges VALUES ({string.Join("), (", Rows.Select(r => "1" + r))});");
        await cdc.WaitForAsync(r => r.Count == 10, "5 snapshot rows and 5 streamed rows");
        var events = cdc.DataRecords.Select(Payload).ToList();

        foreach (var id in new[] { 1, 2, 3, 4, 5 })
        {
            var snapshot = events.Single(e => e.GetProperty("after").GetProperty("id").GetInt32() == id).GetProperty("after");
            var streamed = events.Single(e => e.GetProperty("after").GetProperty("id").GetInt32() == id + 10).GetProperty("after");
            var expected = await ExpectedAsync(id);
            foreach (var (column, value) in expected)
            {
                Assert.True(value == snapshot.GetProperty(column).GetRawText(), $"row {id} {column}: expected {value}, snapshot {snapshot.GetProperty(column).GetRawText()}");
                Assert.True(value == streamed.GetProperty(column).GetRawText(), $"row {id} {column}: expected {value}, stream {streamed.GetProperty(column).GetRawText()}");
            }
        }

        Assert.Equal(0, cdc.Engine!.UnencodableChanges);
        var schema = CdcHarness.Text(cdc.DataRecords.First().Value);
        Assert.Contains("{\"type\":\"int64\",\"optional\":true,\"name\":\"io.debezium.time.Timestamp\",\"version\":1,\"field\":\"ts3\"}", schema, StringComparison.Ordinal);
        Assert.Contains("{\"type\":\"int32\",\"optional\":true,\"name\":\"io.debezium.time.Time\",\"version\":1,\"field\":\"t3\"}", schema, StringComparison.Ordinal);
        Assert.Contains("{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.time.ZonedTime\",\"version\":1,\"field\":\"ttz\"}", schema, StringComparison.Ordinal);
        Assert.Contains("\"parameters\":{\"scale\":\"-2\",\"connect.decimal.precision\":\"5\"},\"field\":\"nneg\"", schema, StringComparison.Ordinal);
    }

    /// <summary>What each column of row <paramref name="id"/> must be, as JSON text; finite temporal values computed by PostgreSQL.</summary>
    private async Task<Dictionary<string, string>> ExpectedAsync(int id)
    {
        async Task<string> Pg(string expression) =>
            (await Sql.ScalarAsync<object>(database.ConnectionString, $"SELECT ({expression})::text FROM edges WHERE id = {id}"))!.ToString()!;
        async Task<string> Micros(string column) => await Pg($"CASE WHEN isfinite({column}) THEN (extract(epoch from {column}) * 1000000)::bigint END");
        static string Str(string s) => $"\"{s}\""; // no character here needs escaping
        string Decimal(System.Numerics.BigInteger unscaled) => Str(Convert.ToBase64String(PgNumeric.Bytes(unscaled)));

        var expected = new Dictionary<string, string>
        {
            ["ts"] = id switch { 1 => "9223372036825200000", 2 => "-9223372036832400000", _ => await Micros("ts") },
            ["ts3"] = id switch { 1 => "9223372036825200", 2 => "-9223372036832400", _ => await Pg("floor(extract(epoch from ts3) * 1000)::bigint") },
            ["d"] = id switch { 1 => "-2147472692", 2 => "-2147472691", _ => await Pg("d - date '1970-01-01'") },
            ["t"] = await Pg("(extract(epoch from t) * 1000000)::bigint"),
            ["t3"] = await Pg("(extract(epoch from t3) * 1000)::bigint"),
        };
        expected["tstz"] = id switch { 1 => Str("infinity"), 2 => Str("-infinity"), _ => Str(await Pg("to_char(tstz at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")) };
        expected["tstz0"] = id switch { 1 => Str("infinity"), 2 => Str("-infinity"), _ => Str(await Pg("to_char(tstz0 at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")) };
        // to_char writes BC years as positive numbers with "BC" and big years without '+': java.time's forms are fixed here.
        expected["tstz"] = id switch
        {
            3 => Str("-4713-12-31T23:59:59.999999Z"),
            4 => Str("+294247-01-01T23:59:59.999999Z"),
            _ => expected["tstz"],
        };
        expected["tstz0"] = id switch
        {
            3 => Str("-0043-03-15T12:00:00Z"),
            4 => Str("+21016-11-04T06:51:30Z"),
            _ => expected["tstz0"],
        };
        expected["ttz"] = Str(id switch
        {
            1 => "00:00:00Z",
            2 => "11:59:59.999999Z",
            3 => "00:00:00Z",
            4 => "11:51:30.123789Z",
            _ => "10:00:00.000001Z",
        });
        expected["n2"] = Decimal(id switch { 1 => 0, 2 => -150, 3 => 9999999999, 4 => 1, _ => -1 });
        expected["nneg"] = Decimal(id switch { 1 => 0, 2 => -1, 3 => 123, 4 => -999, _ => 0 });
        expected["n"] = id switch
        {
            1 => "{\"scale\":0,\"value\":\"AA==\"}",
            2 => "{\"scale\":1,\"value\":" + Decimal(-15) + "}",
            3 => "{\"scale\":1,\"value\":" + Decimal(15) + "}",
            4 => "{\"scale\":9,\"value\":" + Decimal(System.Numerics.BigInteger.Parse("123456789012345678901234567890123456789", System.Globalization.CultureInfo.InvariantCulture)) + "}",
            _ => "{\"scale\":0,\"value\":\"AA==\"}",
        };
        // As Java's Double.toString / Float.toString (Jackson), worked out by hand.
        expected["f"] = id switch { 1 => Str("NaN"), 2 => Str("-Infinity"), 3 => "1.0E308", 4 => "4.9E-324", _ => "-0.0" };
        expected["r"] = id switch { 1 => Str("Infinity"), 2 => Str("-Infinity"), 3 => "3.4E38", 4 => "1.1754944E-38", _ => "0.0" };
        return expected;
    }

    [Fact]
    public async Task NumericNaNInPreciseMode_IsDeadLetteredWithItsValues_AndTheStreamGoesOn()
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "dead", "public.specials_dead");
        await cdc.ExecuteAsync("CREATE TABLE specials_dead (id int PRIMARY KEY, n numeric(10,2), v numeric); INSERT INTO specials_dead VALUES (1, 'NaN', 1), (2, 2.50, 2);");
        await cdc.StartAsync();
        await cdc.ExecuteAsync("INSERT INTO specials_dead VALUES (3, 1, 'Infinity'); INSERT INTO specials_dead VALUES (4, 4.00, 4);");
        await cdc.WaitForAsync(r => r.Any(x => x.Topic == "pg.public.specials_dead" && Payload(x).GetProperty("after").GetProperty("id").GetInt32() == 4), "the row after the second bad one");

        var deadLetters = cdc.DataRecords.Where(r => r.Topic == "pg.dlq").ToList();
        Assert.Equal(2, deadLetters.Count);
        Assert.Equal(2, cdc.Engine!.UnencodableChanges);
        var first = JsonDocument.Parse(deadLetters[0].Value!).RootElement;
        Assert.Equal("n", first.GetProperty("column").GetString());
        Assert.Equal("public.specials_dead", first.GetProperty("table").GetString());
        Assert.Equal("NaN", first.GetProperty("after").GetProperty("n").GetString());
        Assert.Equal("1", first.GetProperty("after").GetProperty("id").GetString());
        Assert.Contains("Decimal", first.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("{\"table\":\"public.specials_dead\",\"key\":{\"id\":\"1\"}}", CdcHarness.Text(deadLetters[0].Key));
        Assert.Equal("v", JsonDocument.Parse(deadLetters[1].Value!).RootElement.GetProperty("column").GetString());
        Assert.Equal(new[] { 2, 4 }, cdc.DataRecords.Where(r => r.Topic == "pg.public.specials_dead").Select(r => Payload(r).GetProperty("after").GetProperty("id").GetInt32()));
    }

    [Fact]
    public async Task NumericNaN_InStringAndDoubleModes_IsCarried()
    {
        foreach (var (mode, expected) in new[] { (DecimalHandling.String, "\"NAN\""), (DecimalHandling.Double, "\"NaN\"") })
        {
            await using var cdc = new CdcHarness(database.ConnectionString, $"nan_{mode}".ToLowerInvariant(), $"public.nan_{mode}".ToLowerInvariant());
            cdc.Options.DecimalHandling = mode;
            await cdc.ExecuteAsync($"CREATE TABLE nan_{mode} (id int PRIMARY KEY, n numeric); INSERT INTO nan_{mode} VALUES (1, 'NaN');".ToLowerInvariant());
            await cdc.StartAsync();
            await cdc.WaitForAsync(r => r.Count == 1, "the row");

            Assert.Equal(expected, Payload(cdc.DataRecords.Single()).GetProperty("after").GetProperty("n").GetRawText());
        }
    }

    [Fact]
    public async Task FailPolicy_StopsWithOneLineNamingTableKeyAndColumn()
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "fail", "public.specials_fail");
        cdc.Options.EventFailureHandling = EventFailureHandling.Fail;
        await cdc.ExecuteAsync("CREATE TABLE specials_fail (id int PRIMARY KEY, n numeric(10,2)); INSERT INTO specials_fail VALUES (7, 'NaN');");

        var error = await Assert.ThrowsAsync<UnencodableEventException>(cdc.StartAsync);

        Assert.Contains("public.specials_fail {\"id\":\"7\"}", error.Message, StringComparison.Ordinal);
        Assert.Contains("column n", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Empty(cdc.DataRecords);
    }

    [Fact]
    public async Task SkipPolicy_CountsAndGoesOn()
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "skip", "public.specials_skip");
        cdc.Options.EventFailureHandling = EventFailureHandling.Skip;
        await cdc.ExecuteAsync("CREATE TABLE specials_skip (id int PRIMARY KEY, n numeric(10,2)); INSERT INTO specials_skip VALUES (1, 'NaN'), (2, 1);");
        await cdc.StartAsync();
        await cdc.WaitForAsync(r => r.Count == 1, "the good row");

        Assert.Equal(1, cdc.Engine!.UnencodableChanges);
        Assert.Equal(2, Payload(cdc.DataRecords.Single()).GetProperty("after").GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task TextKey_IsEscapedAsJacksonEscapesIt_SoTheKeyBytesMatchDebeziums()
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "escapes", "public.escapes");
        await cdc.ExecuteAsync("CREATE TABLE escapes (id text PRIMARY KEY, v text); INSERT INTO escapes VALUES (E'Zoë \"a+b\" <x> & ''q'' \\\\ /\\t\\n\\u0001\\u007f😀\u2028', 'été');");
        await cdc.StartAsync();
        await cdc.WaitForAsync(r => r.Count == 1, "the row");
        var record = cdc.DataRecords.Single();

        var key = CdcHarness.Text(record.Key);
        // Only " \\ and control characters are escaped (short forms where JSON has them, else upper-case \\u00XX).
        Assert.EndsWith("\"payload\":{\"id\":\"Zoë \\\"a+b\\\" <x> & 'q' \\\\ /\\t\\n\\u0001\u007f😀\u2028\"}}", key, StringComparison.Ordinal);
        Assert.Contains("\"v\":\"été\"", CdcHarness.Text(record.Value), StringComparison.Ordinal);
    }
}
