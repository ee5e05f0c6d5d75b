using System.Text.Json;
using Npgsql;
using Strangler.Cdc.Capture;
using Strangler.Cdc.Events;
using Strangler.Testing;

namespace Strangler.Cdc.Tests.Capture;

public sealed class CaptureTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static JsonElement Payload(ChangeRecord record) => JsonDocument.Parse(record.Value!).RootElement.GetProperty("payload");

    private static long KeyId(ChangeRecord record) => JsonDocument.Parse(record.Key!).RootElement.GetProperty("payload").GetProperty("id").GetInt64();

    [Fact]
    public async Task SnapshotWithConcurrentWrites_EveryRowAppearsExactlyOnceAsReadOrCreate()
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "snap_concurrent", "public.orders");
        await cdc.ExecuteAsync("CREATE TABLE orders (id bigint PRIMARY KEY, amount numeric(10,2) NOT NULL); INSERT INTO orders SELECT g, g FROM generate_series(1, 3000) g;");
        using var writing = new CancellationTokenSource();
        var inserted = 0;
        var writer = Task.Run(async () =>
        {
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            for (var id = 3001; !writing.IsCancellationRequested || id < 3200; id++)
            {
                await using var command = new NpgsqlCommand($"INSERT INTO orders VALUES ({id}, 1); UPDATE orders SET amount = amount + 1 WHERE id = {id - 3000};", connection);
                await command.ExecuteNonQueryAsync();
                inserted = id;
            }
        });

        await cdc.StartAsync();
        await writing.CancelAsync();
        await writer;
        var last = inserted;
        await cdc.WaitForAsync(r => r.Any(x => x.Key is not null && KeyId(x) == last && Payload(x).GetProperty("op").GetString() == "c"), "the last insert");
        var records = cdc.DataRecords.ToList();

        var firstAppearance = records.GroupBy(KeyId).ToDictionary(g => g.Key, g => g.Where(r => Payload(r).GetProperty("op").GetString() is "r" or "c").ToList());
        Assert.Equal(last, firstAppearance.Count);
        Assert.All(firstAppearance, kv => Assert.Single(kv.Value));
        // A row is read by the snapshot or created by the stream, never both, and the read comes first.
        Assert.All(records.GroupBy(KeyId), g => Assert.Contains(Payload(g.First()).GetProperty("op").GetString(), new[] { "r", "c" }));
        Assert.Equal("last", Payload(records.Last(r => Payload(r).GetProperty("op").GetString() == "r")).GetProperty("source").GetProperty("snapshot").GetString());
        Assert.Equal("first", Payload(records[0]).GetProperty("source").GetProperty("snapshot").GetString());
        Assert.Equal(records.Count(r => Payload(r).GetProperty("op").GetString() == "r"), cdc.Engine!.SnapshotRows);
        await Eventually.TrueAsync(() => Task.FromResult(cdc.Engine.TimeLag is not null), "a time lag once a streamed transaction is acknowledged");
    }

    [Fact]
    public async Task ReplicaIdentityFull_UpdateAndDeleteCarryTheOldRow_DefaultDeleteCarriesKeyAndDefaults()
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "identity", "public.full_rows", "public.default_rows");
        await cdc.ExecuteAsync("""
            CREATE TABLE full_rows (id int PRIMARY KEY, name text NOT NULL, note text);
            ALTER TABLE full_rows REPLICA IDENTITY FULL;
            CREATE TABLE default_rows (id int PRIMARY KEY, name text NOT NULL, note text, qty integer NOT NULL);
            INSERT INTO full_rows VALUES (1, 'a', 'n'); INSERT INTO default_rows VALUES (1, 'a', 'n', 5);
            """);
        await cdc.StartAsync();

        await cdc.ExecuteAsync("UPDATE full_rows SET name = 'b' WHERE id = 1; DELETE FROM full_rows WHERE id = 1;");
        await cdc.ExecuteAsync("UPDATE default_rows SET name = 'b' WHERE id = 1; DELETE FROM default_rows WHERE id = 1;");
        await cdc.WaitForAsync(r => r.Count(x => x.IsTombstone) == 2, "two deletes and their tombstones");
        var byTable = cdc.DataRecords.Where(r => !r.IsTombstone && Payload(r).GetProperty("op").GetString() != "r")
            .ToLookup(r => r.Topic);

        var full = byTable["pg.public.full_rows"].Select(Payload).ToList();
        Assert.Equal("a", full[0].GetProperty("before").GetProperty("name").GetString());
        Assert.Equal("b", full[0].GetProperty("after").GetProperty("name").GetString());
        Assert.Equal("b", full[1].GetProperty("before").GetProperty("name").GetString());
        Assert.Equal("n", full[1].GetProperty("before").GetProperty("note").GetString());
        var plain = byTable["pg.public.default_rows"].Select(Payload).ToList();
        Assert.Equal(JsonValueKind.Null, plain[0].GetProperty("before").ValueKind);
        var deleted = plain[1].GetProperty("before");
        Assert.Equal(1, deleted.GetProperty("id").GetInt32());
        Assert.Equal("", deleted.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, deleted.GetProperty("note").ValueKind);
        Assert.Equal(0, deleted.GetProperty("qty").GetInt32());
    }

    [Fact]
    public async Task TableWithoutPrimaryKey_EventsHaveANullKey()
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "no_pk", "public.logs");
        await cdc.ExecuteAsync("CREATE TABLE logs (line text)");
        await cdc.StartAsync();

        await cdc.ExecuteAsync("INSERT INTO logs VALUES ('hello')");
        await cdc.WaitForAsync(r => r.Count >= 1, "the insert");

        var record = cdc.DataRecords.Single();
        Assert.Null(record.Key);
        Assert.Equal("hello", Payload(record).GetProperty("after").GetProperty("line").GetString());
    }

    [Fact]
    public async Task RestartAfterStop_ResumesFromTheSlot_NothingCommittedIsLost()
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "resume", "public.items");
        await cdc.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY)");
        await cdc.StartAsync();
        await cdc.ExecuteAsync("INSERT INTO items SELECT g FROM generate_series(1, 50) g");
        await cdc.WaitForAsync(r => r.Count >= 50, "the first 50 inserts");
        await cdc.StopAsync();

        await cdc.ExecuteAsync("INSERT INTO items SELECT g FROM generate_series(51, 100) g"); // while the connector is down
        await using var restarted = new CdcHarness(database.ConnectionString, "resume", "public.items");
        await restarted.StartAsync();
        await restarted.ExecuteAsync("INSERT INTO items SELECT g FROM generate_series(101, 120) g");
        await restarted.WaitForAsync(r => r.Any(x => KeyId(x) == 120), "the inserts after the restart");

        var delivered = cdc.DataRecords.Concat(restarted.DataRecords).Select(KeyId).ToHashSet();
        Assert.Equal(Enumerable.Range(1, 120).Select(i => (long)i).ToHashSet(), delivered);
        Assert.DoesNotContain(restarted.DataRecords, r => Payload(r).GetProperty("op").GetString() == "r"); // no second snapshot
    }

    [Fact]
    public async Task StoppedDuringTheInitialSnapshot_RestartRedoesTheSnapshot_NoRowIsLost()
    {
        // The first connector accepts one snapshot batch, then its sink stalls (as a crash would stop it).
        await using var first = new CdcHarness(database.ConnectionString, "snap_redo", "public.big") { Forward = new StallAfterFirstBatch() };
        first.Options.MaxBatchSize = 100;
        await first.ExecuteAsync("CREATE TABLE big (id int PRIMARY KEY); INSERT INTO big SELECT g FROM generate_series(1, 20000) g;");
        var run = first.StartAsync();
        await first.WaitForAsync(r => r.Count >= 100, "the first snapshot batch");
        await first.StopAsync(); // before the snapshot is complete: no completion marker
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run); // stopped before streaming began: StartAsync was cancelled
        var partial = first.DataRecords.Count();

        await using var second = new CdcHarness(database.ConnectionString, "snap_redo", "public.big");
        await second.StartAsync();
        await second.ExecuteAsync("INSERT INTO big VALUES (20001)");
        await second.WaitForAsync(r => r.Any(x => KeyId(x) == 20001), "the insert after the redone snapshot");

        Assert.Equal(100, partial);
        Assert.Equal(Enumerable.Range(1, 20001).Select(i => (long)i).ToHashSet(), second.DataRecords.Select(KeyId).ToHashSet());
    }

    [Fact]
    public async Task ReplicationConnectionKilledByTheServer_EngineReconnectsAndLosesNothing()
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "reconnect", "public.pings");
        await cdc.ExecuteAsync("CREATE TABLE pings (id int PRIMARY KEY)");
        await cdc.StartAsync();
        await cdc.ExecuteAsync("INSERT INTO pings VALUES (1)");
        await cdc.WaitForAsync(r => r.Count >= 1, "the first insert");

        await cdc.ExecuteAsync("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'slot_reconnect'");
        await cdc.ExecuteAsync("INSERT INTO pings VALUES (2)");
        await cdc.WaitForAsync(r => r.Any(x => KeyId(x) == 2), "the insert made after the walsender was killed");

        Assert.Equal(new HashSet<long> { 1, 2 }, cdc.DataRecords.Select(KeyId).ToHashSet());
    }

    [Fact]
    public async Task MissingTable_FailsWithOneClearLine()
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "missing", "public.no_such_table");

        var error = await Assert.ThrowsAsync<CdcConfigurationException>(cdc.StartAsync);

        Assert.Contains("public.no_such_table does not exist", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task SlotActiveInAnotherConnector_WithoutLeaderElection_FailsWithOneClearLine()
    {
        await using var first = new CdcHarness(database.ConnectionString, "busy", "public.busy");
        await first.ExecuteAsync("CREATE TABLE busy (id int PRIMARY KEY)");
        await first.StartAsync();
        await Eventually.TrueAsync(() => CdcHarness.SlotActiveAsync(database.ConnectionString, "slot_busy"), "the first connector to hold the slot");
        var second = new CdcHarness(database.ConnectionString, "busy", "public.busy");
        second.Options.LeaderElection = false;

        var error = await Assert.ThrowsAsync<CdcConfigurationException>(second.StartAsync);

        Assert.Contains("is in use by another process", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondInstance_WaitsAsStandby_ThenTakesOverWhenTheActiveOneStops_NothingLost()
    {
        var first = new CdcHarness(database.ConnectionString, "pair", "public.pair");
        await first.ExecuteAsync("CREATE TABLE pair (id int PRIMARY KEY)");
        first.Options.StandbyRetryMilliseconds = 100;
        await first.StartAsync();
        var second = new CdcHarness(database.ConnectionString, "pair", "public.pair");
        second.Options.StandbyRetryMilliseconds = 100;
        second.Begin();
        await Eventually.TrueAsync(() => Task.FromResult(second.Engine!.Role == CdcRole.Standby), "the second instance to wait as a standby");

        await first.ExecuteAsync("INSERT INTO pair SELECT generate_series(1, 50)");
        await first.WaitForAsync(r => r.Count(x => x.Value is not null) == 50, "the active instance to stream rows 1-50");
        Assert.Equal(CdcRole.Standby, second.Engine!.Role);
        Assert.Empty(second.DataRecords); // a standby never streams

        await first.StopAsync();
        await first.ExecuteAsync("INSERT INTO pair SELECT generate_series(51, 100)");
        await Eventually.TrueAsync(() => Task.FromResult(second.Engine!.Role == CdcRole.Active), "the standby to take over");
        await second.WaitForAsync(r => r.Where(x => x.Value is not null).Select(Id).Distinct().Count(i => i > 50) == 50, "rows 51-100 through the new active instance");
        var all = first.DataRecords.Concat(second.DataRecords).Where(r => r.Value is not null).Select(Id).ToHashSet();
        Assert.Equal(Enumerable.Range(1, 100).ToHashSet(), all);
        await second.DisposeAsync(); // stops it and drops the slot
        await first.DisposeAsync();

        static int Id(Strangler.Cdc.Events.ChangeRecord r) =>
            System.Text.Json.JsonDocument.Parse(r.Value!).RootElement.GetProperty("payload").GetProperty("after").GetProperty("id").GetInt32();
    }

    private sealed class StallAfterFirstBatch : Strangler.Cdc.Delivery.IChangeSink
    {
        private int _calls;

        public async Task PublishAsync(IReadOnlyList<ChangeRecord> records, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) > 1)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
