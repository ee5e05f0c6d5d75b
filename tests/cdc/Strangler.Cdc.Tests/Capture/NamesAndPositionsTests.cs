using System.Text.Json;
using Strangler.Cdc.Capture;
using Strangler.Cdc.Events;
using Strangler.Testing;

namespace Strangler.Cdc.Tests.Capture;

public sealed class NamesAndPositionsTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static JsonElement Source(ChangeRecord record) => JsonDocument.Parse(record.Value!).RootElement.GetProperty("payload").GetProperty("source");

    [Theory]
    [InlineData("MySlot", "pub_names1", "Cdc:Slot")]
    [InlineData("bad-slot", "pub_names2", "Cdc:Slot")]
    [InlineData("slot with space", "pub_names3", "Cdc:Slot")]
    [InlineData("", "pub_names4", "Cdc:Slot")]
    [InlineData("slot_names5", "MyPub", "Cdc:Publication")]
    [InlineData("slot_names6", "pub;drop", "Cdc:Publication")]
    public async Task InvalidSlotOrPublicationName_IsRefusedBeforeAnythingIsCreated(string slot, string publication, string named)
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "names", "public.names_t");
        cdc.Options.Slot = slot;
        cdc.Options.Publication = publication;
        await cdc.ExecuteAsync("CREATE TABLE IF NOT EXISTS names_t (id int PRIMARY KEY)");

        var error = await Assert.ThrowsAsync<CdcConfigurationException>(cdc.StartAsync);

        Assert.StartsWith(named, error.Message, StringComparison.Ordinal);
        Assert.Contains("lower-case", error.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(database.ConnectionString, $"SELECT count(*) FROM pg_publication WHERE lower(pubname) = lower('{publication.Replace("'", "''", StringComparison.Ordinal)}')"));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(database.ConnectionString, $"SELECT count(*) FROM pg_replication_slots WHERE slot_name = lower('{slot}')"));
    }

    [Fact]
    public async Task SnapshotEvents_CarryTheSnapshotTransactionId()
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "snap_txid", "public.snap_txid");
        await cdc.ExecuteAsync("CREATE TABLE snap_txid (id int PRIMARY KEY); INSERT INTO snap_txid VALUES (1), (2);");
        await cdc.StartAsync();
        await cdc.WaitForAsync(r => r.Count == 2, "the snapshot");

        var txIds = cdc.DataRecords.Select(r => Source(r).GetProperty("txId")).ToList();
        Assert.All(txIds, t => Assert.Equal(JsonValueKind.Number, t.ValueKind));
        Assert.Single(txIds.Select(t => t.GetInt64()).Distinct());
        Assert.True(txIds[0].GetInt64() > 0);
    }

    [Fact]
    public async Task AfterARestart_TheFirstStreamedChangeNamesTheLastAcknowledgedCommit()
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "resume_seq", "public.resume_seq");
        cdc.Options.SnapshotMode = SnapshotMode.Never;
        await cdc.ExecuteAsync("CREATE TABLE resume_seq (id int PRIMARY KEY)");
        await cdc.StartAsync();
        await cdc.ExecuteAsync("INSERT INTO resume_seq VALUES (1)");
        await cdc.WaitForAsync(r => r.Count == 1, "the first insert");
        // On a fresh slot nothing was committed before: Debezium writes null too (fixture persons-insert-payload.json).
        Assert.StartsWith("[null,", Source(cdc.DataRecords.Single()).GetProperty("sequence").GetString(), StringComparison.Ordinal);
        var insertLsn = Source(cdc.DataRecords.Single()).GetProperty("lsn").GetInt64();
        long confirmed = 0;
        await Eventually.TrueAsync(async () =>
        {
            // One read: the value compared is the value kept.
            confirmed = long.Parse((await Sql.ScalarAsync<string>(database.ConnectionString,
                "SELECT (confirmed_flush_lsn - '0/0')::text FROM pg_replication_slots WHERE slot_name = 'slot_resume_seq'"))!, System.Globalization.CultureInfo.InvariantCulture);
            return confirmed > insertLsn;
        }, "the slot to confirm the insert");
        await cdc.StopAsync();

        await using var again = new CdcHarness(database.ConnectionString, "resume_seq", "public.resume_seq");
        again.Options.SnapshotMode = SnapshotMode.Never;
        await again.StartAsync();
        await again.ExecuteAsync("INSERT INTO resume_seq VALUES (2)");
        await again.WaitForAsync(r => r.Count == 1, "the insert after the restart");

        var sequence = JsonDocument.Parse(Source(again.DataRecords.Single()).GetProperty("sequence").GetString()!).RootElement;
        Assert.Equal(confirmed.ToString(System.Globalization.CultureInfo.InvariantCulture), sequence[0].GetString());
    }
}
