using System.Runtime.CompilerServices;
using Confluent.Kafka;

namespace Strangler.Cdc.Consumer;

/// <summary>
/// Debezium events from Kafka topics (ours or a real Debezium connector's) as decoded changes, with their
/// position. Offsets are committed only by <c>Commit</c>, after the caller applied a change.
/// </summary>
public sealed class KafkaChangeSource : IDisposable
{
    private readonly IConsumer<string?, string?> _consumer;

    /// <summary>Subscribes <paramref name="groupId"/> to <paramref name="topics"/> at <paramref name="bootstrapServers"/>; offsets are committed only as the caller confirms.</summary>
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

    /// <summary>
    /// Up to <paramref name="max"/> raw records, waiting at most <paramref name="wait"/> for the first: the key and
    /// value as sent (for callers that decode and dead-letter themselves) with their position.
    /// </summary>
    public async Task<IReadOnlyList<(string? Key, string? Value, TopicPartitionOffset Position)>> ReadBatchAsync(
        int max, TimeSpan wait, CancellationToken cancellationToken)
    {
        var batch = new List<(string?, string?, TopicPartitionOffset)>();
        var timeout = wait;
        while (batch.Count < max && !cancellationToken.IsCancellationRequested)
        {
            var pause = timeout;
            var result = await Task.Run(() => _consumer.Consume(pause), cancellationToken);
            if (result is null || result.IsPartitionEOF)
            {
                break;
            }

            batch.Add((result.Message.Key, result.Message.Value, result.TopicPartitionOffset));
            timeout = TimeSpan.Zero; // take what is already fetched, then return
        }

        return batch;
    }

    /// <summary>
    /// Goes back to the committed offsets of every assigned partition (the beginning where none is committed), so
    /// records read but not processed are read again.
    /// </summary>
    public void Rewind()
    {
        var assigned = _consumer.Assignment;
        if (assigned.Count == 0)
        {
            return;
        }

        foreach (var committed in _consumer.Committed(assigned, TimeSpan.FromSeconds(10)))
        {
            _consumer.Seek(new TopicPartitionOffset(committed.TopicPartition, committed.Offset == Offset.Unset ? Offset.Beginning : committed.Offset));
        }
    }

    /// <summary>Marks everything up to and including each position as processed.</summary>
    public void Commit(IEnumerable<TopicPartitionOffset> positions) =>
        _consumer.Commit(positions.Select(p => new TopicPartitionOffset(p.TopicPartition, p.Offset + 1)));

    /// <summary>Marks everything up to and including <paramref name="position"/> as processed.</summary>
    public void Commit(TopicPartitionOffset position) =>
        _consumer.Commit([new TopicPartitionOffset(position.TopicPartition, position.Offset + 1)]);

    /// <summary>Closes the consumer (leaving its group).</summary>
    public void Dispose()
    {
        _consumer.Close();
        _consumer.Dispose();
    }
}
