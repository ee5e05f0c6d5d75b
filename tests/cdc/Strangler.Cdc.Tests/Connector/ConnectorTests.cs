using System.Text.Json;
using Npgsql;
using Strangler.Testing;

namespace Strangler.Cdc.Tests.Connector;

/// <summary>The connector as a process: one-line fatal errors, and crash safety under a write storm.</summary>
public sealed class ConnectorTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private string[] Args(string slot, string table) =>
    [
        $"--ConnectionStrings:Cdc={database.ConnectionString}",
        $"--Cdc:Slot={slot}", $"--Cdc:Publication={slot}", $"--Cdc:Tables:0=public.{table}",
        "--Cdc:TopicPrefix=storm", "--Cdc:SchemasEnable=false", "--Cdc:StatsIntervalSeconds=0", "--Log:MinimumLevel=Warning",
    ];

    private Task ExecuteAsync(string sql) => Sql.ExecuteAsync(database.ConnectionString, sql);

    [Fact]
    public async Task Run_MissingTable_ExitsNonZeroWithOneLine()
    {
        using var connector = AppProcess.Start("Strangler.Cdc.Connector.dll", Args("missing_conn", "does_not_exist"));

        await connector.WaitForExitAsync();

        Assert.Equal(1, connector.ExitCode);
        var error = Assert.Single(connector.Errors, e => e.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains("public.does_not_exist does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KilledHard10TimesDuringAWriteStorm_EveryCommittedChangeIsDelivered_InPerKeyOrder()
    {
        await ExecuteAsync("CREATE TABLE storm (id int PRIMARY KEY, counter int NOT NULL)");
        using var writing = new CancellationTokenSource();
        var committed = new ConcurrentCounter();
        var writer = Task.Run(async () =>
        {
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            for (var i = 1; !writing.IsCancellationRequested; i++)
            {
                // Each statement commits on its own: a new row, and one more step for an earlier row.
                await using var command = new NpgsqlCommand($"INSERT INTO storm VALUES ({i}, 0); UPDATE storm SET counter = counter + 1 WHERE id = {(i % 50) + 1};", connection);
                await command.ExecuteNonQueryAsync();
                committed.Set(i);
            }
        });

        var outputs = new List<string>();
        var random = new Random(7);
        try
        {
            for (var crash = 0; crash < 10; crash++)
            {
                using var connector = AppProcess.Start("Strangler.Cdc.Connector.dll", Args("storm", "storm"));
                // Kill after a random number of streamed events (snapshot reads do not count, so the first run's
                // snapshot completes and every crash lands in the stream).
                var target = random.Next(20, 400);
                await Eventually.TrueAsync(() => Task.FromResult(connector.Lines.Count(l => !l.Contains("\"op\":\"r\"", StringComparison.Ordinal)) >= target || connector.HasExited),
                    $"{target} streamed events before crash {crash}", 60_000);
                Assert.False(connector.HasExited, string.Join("\n", connector.Errors));
                await connector.KillHardAsync();
                outputs.AddRange(CompleteLines(connector));
            }
        }
        finally
        {
            await writing.CancelAsync();
            await writer;
        }

        var last = committed.Value;
        var stored = await CountersAsync();
        using (var final = AppProcess.Start("Strangler.Cdc.Connector.dll", Args("storm", "storm")))
        {
            // Done when every row has arrived in its final state: from the stream, or from a snapshot if the
            // last crash interrupted one (then the final run snapshots again).
            await Eventually.TrueAsync(() => Task.FromResult(CaughtUp(outputs.Concat(final.Lines.ToList()), stored)),
                "every committed row in its final state after the final restart", 120_000);
            await final.KillHardAsync();
            outputs.AddRange(CompleteLines(final));
        }

        var events = outputs.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("value")).Where(v => v.ValueKind == JsonValueKind.Object)
            .Select(v => (Id: v.GetProperty("after").GetProperty("id").GetInt32(), Counter: v.GetProperty("after").GetProperty("counter").GetInt32(),
                Lsn: v.GetProperty("source").GetProperty("lsn").GetInt64(), Op: v.GetProperty("op").GetString()))
            .ToList();
        // Every committed row arrived.
        Assert.Equal(Enumerable.Range(1, last).ToHashSet(), events.Select(e => e.Id).ToHashSet());
        // Replays after a crash repeat events with their LSN; a consumer dropping LSNs it has seen per key gets each row's steps in order.
        foreach (var row in events.GroupBy(e => e.Id))
        {
            var seen = -1L;
            var counter = -1;
            foreach (var e in row)
            {
                if (e.Lsn <= seen)
                {
                    continue;
                }

                // Never backwards. (A snapshot interrupted by a kill is redone, re-reading rows at a newer LSN, so a
                // row's state may repeat; it never regresses.)
                Assert.True(e.Counter >= counter, $"row {row.Key}: counter {e.Counter} after {counter}");
                seen = e.Lsn;
                counter = e.Counter;
            }
        }

        // No step is missing: from a row's first appearance (snapshot read or insert) every later counter value
        // arrived, up to the value the table holds now.
        foreach (var row in events.GroupBy(e => e.Id))
        {
            var counters = row.Select(e => e.Counter).Distinct().Order().ToList();
            Assert.Equal(stored[row.Key], counters[^1]);
            Assert.Equal(counters[^1] - counters[0] + 1, counters.Count);
        }
        await ExecuteAsync("SELECT pg_drop_replication_slot('storm')");
    }

    [Fact]
    public async Task TwoConnectorProcessesOnOneSlot_OneStreams_TheOtherTakesOverWhenItIsKilled()
    {
        await ExecuteAsync("CREATE TABLE duo (id int PRIMARY KEY, counter int NOT NULL DEFAULT 0)");
        string[] args = [.. Args("duo", "duo").Where(a => !a.StartsWith("--Log:", StringComparison.Ordinal)), "--Log:MinimumLevel=Information", "--Cdc:StandbyRetryMilliseconds=200"];
        using var first = AppProcess.Start("Strangler.Cdc.Connector.dll", args);
        await Eventually.TrueAsync(() => Task.FromResult(first.Errors.Any(l => l.Contains("active instance for slot duo", StringComparison.Ordinal))), "the first connector to become active", 60_000);
        using var second = AppProcess.Start("Strangler.Cdc.Connector.dll", args);
        await Eventually.TrueAsync(() => Task.FromResult(second.Errors.Any(l => l.Contains("Standby", StringComparison.Ordinal))), "the second connector to wait as a standby", 60_000);

        await ExecuteAsync("INSERT INTO duo (id) SELECT generate_series(1, 200)");
        await Eventually.TrueAsync(() => Task.FromResult(Ids(first.Lines).Count == 200), "rows 1-200 from the active connector");
        Assert.Empty(Ids(second.Lines)); // two processes, one slot: only one streams
        await first.KillHardAsync();

        await ExecuteAsync("INSERT INTO duo (id) SELECT generate_series(201, 400)");
        await Eventually.TrueAsync(() => Task.FromResult(Ids(second.Lines).Count(i => i > 200) == 200), "rows 201-400 from the connector that took over", 60_000);
        Assert.Contains(second.Errors, l => l.Contains("Took over slot duo", StringComparison.Ordinal));
        Assert.Equal(Enumerable.Range(1, 400).ToHashSet(), Ids(CompleteLines(first)).Concat(Ids(second.Lines)).ToHashSet());
        await second.KillHardAsync();
        await Eventually.TrueAsync(async () => !await Strangler.Cdc.Tests.CdcHarness.SlotActiveAsync(database.ConnectionString, "duo"), "the slot to be released");
        await ExecuteAsync("SELECT pg_drop_replication_slot('duo')");

        static HashSet<int> Ids(IEnumerable<string> lines) => lines.Where(IsJson)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("value"))
            .Where(v => v.ValueKind == JsonValueKind.Object && v.TryGetProperty("after", out var a) && a.ValueKind == JsonValueKind.Object)
            .Select(v => v.GetProperty("after").GetProperty("id").GetInt32()).ToHashSet();
    }

    private static bool CaughtUp(IEnumerable<string> lines, Dictionary<int, int> stored)
    {
        var latest = new Dictionary<int, int>();
        foreach (var line in lines.Where(IsJson))
        {
            var value = JsonDocument.Parse(line).RootElement.GetProperty("value");
            if (value.ValueKind == JsonValueKind.Object)
            {
                var after = value.GetProperty("after");
                var id = after.GetProperty("id").GetInt32();
                latest[id] = Math.Max(latest.GetValueOrDefault(id, -1), after.GetProperty("counter").GetInt32());
            }
        }

        return stored.All(kv => latest.TryGetValue(kv.Key, out var counter) && counter == kv.Value);
    }

    /// <summary>A hard kill can tear the line being written (never acknowledged): only the last line may be incomplete.</summary>
    private static List<string> CompleteLines(AppProcess connector)
    {
        var lines = connector.Lines.ToList();
        if (lines.Count > 0 && !IsJson(lines[^1]))
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines;
    }

    private static bool IsJson(string line)
    {
        try
        {
            JsonDocument.Parse(line).Dispose();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private async Task<Dictionary<int, int>> CountersAsync()
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, counter FROM storm", connection);
        var counters = new Dictionary<int, int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            counters[reader.GetInt32(0)] = reader.GetInt32(1);
        }

        return counters;
    }

    private sealed class ConcurrentCounter
    {
        private int _value;

        public int Value => Volatile.Read(ref _value);

        public void Set(int value) => Volatile.Write(ref _value, value);
    }
}
