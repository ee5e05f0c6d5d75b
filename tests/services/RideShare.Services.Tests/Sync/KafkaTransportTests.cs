using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using RideShare.Drivers.Hosting;
using RideShare.Drivers.Store;
using StackExchange.Redis;
using Strangler.Cdc.Apply;
using Strangler.Cdc.Capture;
using Strangler.Cdc.Delivery;
using Strangler.Cdc.Sync.Reconcile;

namespace RideShare.Services.Tests.Sync;

/// <summary>
/// The Kafka transport: the connector publishes legacy's changes as Debezium topics on a real Kafka-protocol broker
/// (librdkafka's mock cluster here) and the Drivers service consumes them as a consumer group instead of capturing
/// legacy itself. Offsets rewound to the start deliver every event again: the store does not change. A malformed
/// message is dead-lettered and the stream goes on.
/// </summary>
public sealed class KafkaTransportTests : IAsyncLifetime
{
    // The mock broker forgets a member that left only when its session times out: keep that short.
    private const int SessionTimeoutMs = 6_000;

    private readonly KafkaStack _stack = new();
    private readonly CancellationTokenSource _stop = new();
    private MockKafkaCluster _kafka = null!;
    private Task _connector = Task.CompletedTask;
    private string _group = "";

    public async Task InitializeAsync()
    {
        await _stack.InitializeAsync();
        _kafka = new MockKafkaCluster();
        _group = $"sync-drivers-{Guid.NewGuid():N}";
        var engine = new CdcEngine(
            new CdcOptions
            {
                ConnectionString = _stack.LegacyConnectionString, Slot = _stack.SlotName("connector"), Publication = _stack.SlotName("connector"),
                Tables = ["public.drivers"], TopicPrefix = "rideshare", HeartbeatIntervalMilliseconds = 0,
            },
            new KafkaSink(new KafkaSinkOptions { BootstrapServers = _kafka.BootstrapServers }, NullLogger.Instance), NullLogger.Instance);
        _connector = Task.Run(() => engine.RunAsync(_stop.Token));
        await Task.WhenAny(engine.Streaming.Task, _connector).Unwrap().WaitAsync(TimeSpan.FromMinutes(1));
    }

    public async Task DisposeAsync()
    {
        await _stack.Drivers.StopWebAsync();
        await _stop.CancelAsync();
        try
        {
            await _connector;
        }
        catch (OperationCanceledException)
        {
        }

        _kafka.Dispose();
        await _stack.DisposeAsync();
    }

    [Fact]
    public async Task OffsetsRewound_EveryEventDeliveredAgain_StoreUnchanged()
    {
        await StartDriversAsync();
        for (var i = 0; i < 6; i++)
        {
            var id = (await _stack.Monolith.Api.CreateDriverAsync()).GetProperty("id").GetInt64();
            await _stack.Monolith.Client.DeleteAsync($"/api/drivers/{(i % 2 == 0 ? id : i + 1)}");
        }

        await ConvergedAsync();
        var first = await SyncedStack.StatusAsync(_stack.Drivers);
        var before = await DumpAsync();
        await _stack.Drivers.StopWebAsync();

        RewindGroup();
        await StartDriversAsync();
        var consumed = first.GetProperty("eventsApplied").GetInt64() + first.GetProperty("eventsStale").GetInt64();
        await Eventually.TrueAsync(async () => (await SyncedStack.StatusAsync(_stack.Drivers)).GetProperty("eventsStale").GetInt64() >= consumed,
            "every event delivered again", 60_000);

        var replayed = await SyncedStack.StatusAsync(_stack.Drivers);
        Assert.Equal(0, replayed.GetProperty("eventsApplied").GetInt64());
        Assert.Equal(before, await DumpAsync());
    }

    [Fact]
    public async Task MalformedMessage_IsDeadLettered_AndLaterEventsApply()
    {
        await StartDriversAsync();
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _kafka.BootstrapServers }).Build())
        {
            await producer.ProduceAsync("rideshare.public.drivers", new Message<string, string> { Key = "{\"id\":1}", Value = "{\"payload\": not json" });
        }

        var id = (await _stack.Monolith.Api.CreateDriverAsync()).GetProperty("id").GetInt64();

        var store = _stack.Drivers.Services.GetRequiredService<DriverStore>();
        await Eventually.TrueAsync(async () => await store.GetAsync(id) is not null, "the driver created after the malformed message", 60_000);
        var letter = DeadLetter.FromJson(Assert.Single(await store.DeadLettersAsync()));
        Assert.StartsWith("malformed event", letter.Reason, StringComparison.Ordinal);
        Assert.Equal("{\"payload\": not json", letter.Value);
        Assert.Equal(1, (await SyncedStack.StatusAsync(_stack.Drivers)).GetProperty("deadLetters").GetInt64());
        Assert.Equal("kafka", (await SyncedStack.StatusAsync(_stack.Drivers)).GetProperty("transport").GetString());
    }

    private async Task StartDriversAsync() => await _stack.Drivers.StartWebAsync(DriversApp.StartAsync(
        _stack.DriversArgs($"--Sync:Kafka:BootstrapServers={_kafka.BootstrapServers}", $"--Sync:Kafka:GroupId={_group}",
        $"--Sync:Kafka:Settings:session.timeout.ms={SessionTimeoutMs}"), CancellationToken.None));

    /// <summary>The store matches legacy (compared at once: the Kafka transport has no heartbeat position to wait for).</summary>
    private async Task ConvergedAsync()
    {
        var reconciler = _stack.DriversReconciler(_stack.Drivers.Services.GetRequiredService<DriverStore>(), new ReconcileOptions { WaitSeconds = 0, Rounds = 1 });
        await Eventually.TrueAsync(async () => (await reconciler.RunAsync(repair: false, CancellationToken.None)).Drift.Count == 0, "the store matching legacy", 60_000);
    }

    /// <summary>Joins the service's (now idle) group and commits offset 0 for every partition it is assigned: all of them.</summary>
    private void RewindGroup()
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(
            new ConsumerConfig
            {
                BootstrapServers = _kafka.BootstrapServers, GroupId = _group, EnableAutoCommit = false, AutoOffsetReset = AutoOffsetReset.Latest,
                SessionTimeoutMs = SessionTimeoutMs,
            }).Build();
        consumer.Subscribe("rideshare.public.drivers");
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (consumer.Assignment.Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "no partitions assigned to the rewinding consumer within a minute");
            consumer.Consume(TimeSpan.FromMilliseconds(200)); // drives the group join; returns nothing at the latest offset
        }

        consumer.Commit(consumer.Assignment.Select(p => new TopicPartitionOffset(p, 0)));
        consumer.Close();
    }

    /// <summary>Every driver hash, tombstone and applied-change counter in the store, as text.</summary>
    private async Task<string> DumpAsync()
    {
        var redis = _stack.Drivers.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var lines = new List<string>();
        foreach (var id in await redis.SortedSetRangeByRankAsync("drivers:ids"))
        {
            lines.Add($"{id}: {string.Join(", ", (await redis.HashGetAllAsync($"driver:{id}")).OrderBy(e => e.Name.ToString(), StringComparer.Ordinal))}");
        }

        lines.Add($"deleted: {string.Join(", ", (await redis.HashGetAllAsync("drivers:deleted")).OrderBy(e => e.Name.ToString(), StringComparer.Ordinal))}");
        lines.Add($"deletes applied: {string.Join(", ", (await redis.HashGetAllAsync("drivers:deleted:applied")).OrderBy(e => e.Name.ToString(), StringComparer.Ordinal))}");
        return string.Join('\n', lines);
    }

    private sealed class KafkaStack : SyncedStack
    {
        protected override bool StartDrivers => false;

        protected override bool StartPassengers => false;
    }
}
