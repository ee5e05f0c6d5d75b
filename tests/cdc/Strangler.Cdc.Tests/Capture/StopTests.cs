using Microsoft.Extensions.Logging.Abstractions;
using Strangler.Cdc.Capture;
using Strangler.Cdc.Delivery;
using Strangler.Testing;

namespace Strangler.Cdc.Tests.Capture;

/// <summary>
/// Stopping the engine always ends its stream, whenever the stop comes. PostgreSQL drops a cancel request that
/// reaches a walsender before it runs START_REPLICATION; an engine stopped in that moment used to stream on
/// forever (seen in CI as a 3-minute hang at dispose).
/// </summary>
public sealed class StopTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task StoppedRightAsItStartsStreaming_EndsEveryTime()
    {
        await Sql.ExecuteAsync(database.ConnectionString, "CREATE TABLE IF NOT EXISTS stop_t (id int PRIMARY KEY)");
        for (var i = 0; i < 40; i++)
        {
            var options = new CdcOptions
            {
                ConnectionString = database.ConnectionString, Slot = "slot_stop", Publication = "pub_stop", Tables = ["public.stop_t"],
                TopicPrefix = "pg", HeartbeatIntervalMilliseconds = 0, SnapshotMode = SnapshotMode.Never,
            };
            var engine = new CdcEngine(options, new EmbeddedSink((_, _) => ValueTask.CompletedTask), NullLogger.Instance);
            using var stop = new CancellationTokenSource();
            var run = Task.Run(() => engine.RunAsync(stop.Token));
            await engine.Streaming.Task.WaitAsync(TimeSpan.FromMinutes(1));
            if (i % 2 == 1)
            {
                await Task.Yield(); // half the time a moment later: the window moves
            }

            await stop.CancelAsync();
            var ended = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30)));
            Assert.True(ended == run, $"stop {i + 1}: the engine was still streaming 30 s after it was stopped");
            await Eventually.TrueAsync(async () => !await CdcHarness.SlotActiveAsync(database.ConnectionString, "slot_stop"), "the slot to be released");
        }

        await Sql.ExecuteAsync(database.ConnectionString, "SELECT pg_drop_replication_slot('slot_stop')");
    }
}
