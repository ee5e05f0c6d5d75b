using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Strangler.Cdc.Consumer;
using Strangler.Cdc.Delivery;
using Strangler.Cdc.Events;
using Strangler.Testing;

namespace Strangler.Cdc.Tests.Delivery;

/// <summary>The engine into a real Kafka-protocol broker (<see cref="TestKafka"/>), read back by an independent consumer.</summary>
public sealed class KafkaSinkTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Engine_IntoKafka_ConsumerReadsDebeziumEventsAndTombstoneInOrder()
    {
        await using var cluster = await TestKafka.StartAsync();
        await using var sink = new KafkaSink(new KafkaSinkOptions { BootstrapServers = cluster.BootstrapServers }, NullLogger.Instance);
        await using var cdc = new CdcHarness(database.ConnectionString, "kafka", "public.riders") { Forward = sink };
        await cdc.ExecuteAsync("CREATE TABLE riders (id int PRIMARY KEY, name text NOT NULL); INSERT INTO riders VALUES (1, 'Ann');");
        await cdc.StartAsync();
        await cdc.ExecuteAsync("INSERT INTO riders VALUES (2, 'Bo'); UPDATE riders SET name = 'Ann B' WHERE id = 1; DELETE FROM riders WHERE id = 2;");
        await cdc.WaitForAsync(r => r.Count >= 5, "snapshot, insert, update, delete, tombstone delivered to Kafka");

        // First an independent, plain Kafka consumer…
        using var consumer = new ConsumerBuilder<string?, string?>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "test",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe("pg.public.riders");
        var received = new List<(string? Key, string? Value, TopicPartitionOffset Position)>();
        await Eventually.TrueAsync(() =>
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is not null)
            {
                received.Add((result.Message.Key, result.Message.Value, result.TopicPartitionOffset));
            }

            return Task.FromResult(received.Count == 5);
        }, "5 Kafka records");

        var changes = received.Select(r => DebeziumEventReader.Read(r.Key, r.Value, r.Position.ToString())).ToList();
        Assert.Equal([ChangeOperation.Read, ChangeOperation.Create, ChangeOperation.Update, ChangeOperation.Delete, ChangeOperation.Tombstone],
            changes.Select(c => c.Operation));
        Assert.Equal("Ann B", changes[2].After!["name"]);
        Assert.Null(received[4].Value);
        Assert.Equal(received[3].Key, received[4].Key);
        Assert.Equal(cdc.DataRecords.Select(r => Encoding.UTF8.GetString(r.Key!)), received.Select(r => r.Key));

        // …then the consumer library, in its own group: the same changes, with their positions.
        using var source = new KafkaChangeSource(cluster.BootstrapServers, "library", ["pg.public.riders"]);
        using var read = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var viaLibrary = new List<DebeziumChange>();
        await foreach (var (change, position) in source.ReadAsync(read.Token))
        {
            viaLibrary.Add(change);
            source.Commit(position);
            if (viaLibrary.Count == 5)
            {
                break;
            }
        }

        Assert.Equal(changes.Select(c => c.Operation), viaLibrary.Select(c => c.Operation));
        Assert.Equal("Ann B", viaLibrary[2].After!["name"]);
    }

    [Fact]
    public async Task Engine_KafkaUnreachable_RetriesFromTheSlotAndAcknowledgesNothing()
    {
        await using var sink = new KafkaSink(new KafkaSinkOptions { BootstrapServers = "127.0.0.1:1", DeliveryTimeoutMilliseconds = 300 }, NullLogger.Instance);
        await using var cdc = new CdcHarness(database.ConnectionString, "kafka_down", "public.parcels") { Forward = sink };
        cdc.Options.MaxRetryBackoffMilliseconds = 200;
        await cdc.ExecuteAsync("CREATE TABLE parcels (id int PRIMARY KEY)");
        cdc.Options.SnapshotMode = Strangler.Cdc.Capture.SnapshotMode.Never;
        await cdc.StartAsync();
        var before = await ConfirmedLsnAsync();

        await cdc.ExecuteAsync("INSERT INTO parcels VALUES (1)");
        await Eventually.TrueAsync(() => Task.FromResult(cdc.Engine!.DeliveryFailures >= 2), "two failed deliveries, each followed by a restart from the slot");

        Assert.Empty(cdc.DataRecords); // nothing was delivered…
        Assert.Equal(before, await ConfirmedLsnAsync()); // …so nothing was acknowledged
    }

    private Task<string> ConfirmedLsnAsync() => Sql.ScalarAsync<string>(
        database.ConnectionString, "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = 'slot_kafka_down'");
}
