using Strangler.Testing;

namespace Strangler.Cdc.Tests.Capture;

public sealed class HeartbeatTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task QuietCapturedTable_WritesElsewhere_HeartbeatsAdvanceTheSlotAndAreEmitted()
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "heartbeat", "public.quiet");
        cdc.Options.HeartbeatIntervalMilliseconds = 100;
        await cdc.ExecuteAsync("CREATE TABLE quiet (id int PRIMARY KEY); CREATE TABLE busy_elsewhere (id int PRIMARY KEY)");
        await cdc.StartAsync();

        await cdc.ExecuteAsync("INSERT INTO busy_elsewhere SELECT g FROM generate_series(1, 1000) g");
        var after = await Sql.ScalarAsync<string>(database.ConnectionString, "SELECT pg_current_wal_lsn()::text");
        await Eventually.TrueAsync(() => Sql.ScalarAsync<bool>(database.ConnectionString,
                $"SELECT confirmed_flush_lsn >= '{after}'::pg_lsn FROM pg_replication_slots WHERE slot_name = 'slot_heartbeat'"),
            "the slot to confirm past the other table's writes", 30_000);

        var heartbeat = cdc.Records.First(r => r.Topic == "__debezium-heartbeat.pg");
        Assert.Contains("\"serverName\":\"pg\"", CdcHarness.Text(heartbeat.Key), StringComparison.Ordinal);
        Assert.Contains("io.debezium.connector.common.Heartbeat", CdcHarness.Text(heartbeat.Value), StringComparison.Ordinal);
        Assert.Empty(cdc.DataRecords);
    }
}
