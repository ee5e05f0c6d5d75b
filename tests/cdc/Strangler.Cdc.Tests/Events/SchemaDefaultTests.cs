using System.Text.Json;
using Strangler.Testing;

namespace Strangler.Cdc.Tests.Events;

/// <summary>Column defaults in the event schema, as Debezium writes them (its PostgresDefaultValueConverter's rules).</summary>
public sealed class SchemaDefaultTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Schema_CarriesEachColumnsDefault_AsDebezium()
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "defaults", "public.defaults");
        await cdc.ExecuteAsync("""
            CREATE TYPE defaults_mood AS ENUM ('sad', 'ok');
            CREATE TABLE defaults (
                id serial PRIMARY KEY, name text DEFAULT 'it''s', qty int DEFAULT 42, neg int DEFAULT -1, flag bool DEFAULT true,
                price numeric(10,2) DEFAULT 12.5, free numeric DEFAULT 1, ratio float8 DEFAULT 1.5, at timestamptz DEFAULT now(),
                day date DEFAULT '2020-02-29', created timestamp DEFAULT CURRENT_TIMESTAMP, note varchar(10) DEFAULT NULL,
                code uuid DEFAULT gen_random_uuid(), blob bytea DEFAULT '\x00', mood defaults_mood DEFAULT 'ok', doc jsonb DEFAULT '{"a":1}',
                plain text, sum int GENERATED ALWAYS AS (qty + 1) STORED, ident bigint GENERATED ALWAYS AS IDENTITY);
            INSERT INTO defaults DEFAULT VALUES;
            """);
        await cdc.StartAsync();
        await cdc.WaitForAsync(r => r.Count == 1, "the row");
        var record = cdc.DataRecords.Single();
        var fields = JsonDocument.Parse(record.Value!).RootElement.GetProperty("schema").GetProperty("fields")[1].GetProperty("fields")
            .EnumerateArray().ToDictionary(f => f.GetProperty("field").GetString()!, f => f.TryGetProperty("default", out var d) ? d.GetRawText() : null);

        Assert.Equal("0", fields["id"]); // serial: nextval(…) stands for 0
        Assert.Equal("\"it's\"", fields["name"]);
        Assert.Equal("42", fields["qty"]);
        Assert.Equal("-1", fields["neg"]);
        Assert.Equal("true", fields["flag"]);
        Assert.Equal($"\"{Convert.ToBase64String(new System.Numerics.BigInteger(1250).ToByteArray(false, true))}\"", fields["price"]); // 12.50
        Assert.Null(fields["free"]); // a VariableScaleDecimal default would be a struct: Debezium leaves it out
        Assert.Equal("1.5", fields["ratio"]);
        Assert.Equal("\"1970-01-01T00:00:00.000000Z\"", fields["at"]); // now(): the epoch
        Assert.Equal("18321", fields["day"]);
        Assert.Equal("0", fields["created"]);
        Assert.Null(fields["note"]);
        Assert.Equal("\"00000000-0000-0000-0000-000000000000\"", fields["code"]);
        Assert.Null(fields["blob"]);
        Assert.Equal("\"ok\"", fields["mood"]);
        Assert.Equal("\"{\\\"a\\\": 1}\"", fields["doc"]);
        Assert.Null(fields["plain"]);
        Assert.Null(fields["sum"]);
        Assert.Null(fields["ident"]);
        // The key schema is built from the same columns.
        Assert.Contains("{\"type\":\"int32\",\"optional\":false,\"default\":0,\"field\":\"id\"}", CdcHarness.Text(record.Key), StringComparison.Ordinal);
        // "default" sits between parameters and field, as Kafka Connect orders a schema.
        Assert.Contains("\"parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":\"10\"},\"default\":", CdcHarness.Text(record.Value), StringComparison.Ordinal);
    }
}
