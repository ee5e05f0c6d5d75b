using System.Text.Json;
using Strangler.Cdc.Events;
using Strangler.Testing;

namespace Strangler.Cdc.Tests.Capture;

/// <summary>Cdc:TransactionMetadata: Debezium's transaction blocks and BEGIN/END records.</summary>
public sealed class TransactionMetadataTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static JsonElement Payload(ChangeRecord record) => JsonDocument.Parse(record.Value!).RootElement.GetProperty("payload");

    [Fact]
    public async Task OneTransactionOverTwoTables_BeginBlocksAndEnd_CountAsDebezium()
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "txmeta", "public.tx_a", "public.tx_b");
        cdc.Options.TransactionMetadata = true;
        await cdc.ExecuteAsync("CREATE TABLE tx_a (id int PRIMARY KEY); CREATE TABLE tx_b (id int PRIMARY KEY);");
        await cdc.StartAsync();
        await cdc.ExecuteAsync("BEGIN; INSERT INTO tx_a VALUES (1); INSERT INTO tx_b VALUES (1); INSERT INTO tx_a VALUES (2); DELETE FROM tx_a WHERE id = 1; COMMIT;");
        await cdc.WaitForAsync(r => r.Any(x => x.Topic == "pg.transaction" && Payload(x).GetProperty("status").GetString() == "END"), "the END record");

        var records = cdc.DataRecords.ToList();
        var begin = Payload(records[0]);
        Assert.Equal("pg.transaction", records[0].Topic);
        Assert.Equal("BEGIN", begin.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, begin.GetProperty("event_count").ValueKind);
        Assert.Equal(JsonValueKind.Null, begin.GetProperty("data_collections").ValueKind);
        Assert.Contains("\"name\":\"io.debezium.connector.common.TransactionMetadataKey\"", CdcHarness.Text(records[0].Key), StringComparison.Ordinal);

        var data = records.Where(r => r.Topic.StartsWith("pg.public.", StringComparison.Ordinal) && r.Value is not null).Select(Payload).ToList();
        Assert.Equal(4, data.Count);
        var xid = data[0].GetProperty("source").GetProperty("txId").GetInt64();
        Assert.StartsWith($"{xid}:", begin.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal(new long[] { 1, 2, 3, 4 }, data.Select(d => d.GetProperty("transaction").GetProperty("total_order").GetInt64()));
        Assert.Equal(new long[] { 1, 1, 2, 3 }, data.Select(d => d.GetProperty("transaction").GetProperty("data_collection_order").GetInt64()));
        Assert.All(data, d => Assert.Equal($"{xid}:{d.GetProperty("source").GetProperty("lsn").GetInt64()}", d.GetProperty("transaction").GetProperty("id").GetString()));
        // The tombstone after the delete is no event of the transaction.
        Assert.Single(records, r => r.Topic == "pg.public.tx_a" && r.Value is null);

        var end = Payload(records.Last());
        Assert.Equal("END", end.GetProperty("status").GetString());
        Assert.Equal(4, end.GetProperty("event_count").GetInt64());
        Assert.Equal("[{\"data_collection\":\"public.tx_a\",\"event_count\":3},{\"data_collection\":\"public.tx_b\",\"event_count\":1}]", end.GetProperty("data_collections").GetRawText());
        Assert.Equal(data[0].GetProperty("source").GetProperty("ts_ms").GetInt64(), end.GetProperty("ts_ms").GetInt64());
        Assert.StartsWith($"{xid}:", end.GetProperty("id").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Off_ByDefault_TransactionIsNull_AndNoTransactionTopic()
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "txoff", "public.tx_off");
        await cdc.ExecuteAsync("CREATE TABLE tx_off (id int PRIMARY KEY);");
        await cdc.StartAsync();
        await cdc.ExecuteAsync("INSERT INTO tx_off VALUES (1)");
        await cdc.WaitForAsync(r => r.Count == 1, "the insert");

        Assert.Equal(JsonValueKind.Null, Payload(cdc.DataRecords.Single()).GetProperty("transaction").ValueKind);
    }
}
