using System.Runtime.CompilerServices;
using Confluent.Kafka;

namespace Strangler.Cdc.Consumer;

/// <summary>
/// Debezium events from Kafka topics (ours or a real Debezium connector's) as decoded changes, with their
/// position. Offsets are committed only by <see cref="Commit"/>, after the caller applied a change.
/// </summary>
public sealed class KafkaChangeSource : IDisposable
{
    private readonly IConsumer<string?, string?> _consumer;

    public KafkaChangeSource(string bootstrapServers, string groupId, IEnumerable<string> topics, Action<ConsumerConfig>? configure = null)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = groupId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        configure?.Invoke(config);
        _consumer = new ConsumerBuilder<string?, string?>(config).Build();
        _consumer.Subscribe(topics);
    }

    /// <summary>Changes in partition order; a malformed event throws <see cref="MalformedEventException"/> naming its topic, partition and offset.</summary>
    public async IAsyncEnumerable<(DebeziumChange Change, TopicPartitionOffset Position)> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            // Consume blocks; a short timeout keeps cancellation responsive without spinning.
            var result = await Task.Run(() => _consumer.Consume(TimeSpan.FromMilliseconds(250)), cancellationToken);
            if (result is null || result.IsPartitionEOF)
            {
                continue;
            }

            yield return (DebeziumEventReader.Read(result.Message.Key, result.Message.Value, result.TopicPartitionOffset.ToString()), result.TopicPartitionOffset);
        }
    }

    /// <summary>Marks everything up to and including <paramref name="position"/> as processed.</summary>
    public void Commit(TopicPartitionOffset position) =>
        _consumer.Commit([new TopicPartitionOffset(position.TopicPartition, position.Offset + 1)]);

    public void Dispose()
    {
        _consumer.Close();
        _consumer.Dispose();
    }
}
