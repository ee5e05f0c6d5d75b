using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Delivery;

/// <summary>
/// Kafka delivery: an idempotent producer with acks=all; the record key decides the partition, so events of
/// one row stay in order. librdkafka retries in order within the delivery timeout; a batch that still fails
/// throws <see cref="SinkDeliveryException"/>, and the engine then acknowledges nothing and restarts from the
/// slot (with backoff), so later batches can never overtake a failed one.
/// </summary>
public sealed class KafkaSink : IChangeSink
{
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly ILogger _logger;

    /// <summary>An idempotent producer (acks=all) to <see cref="KafkaSinkOptions.BootstrapServers"/>.</summary>
    public KafkaSink(KafkaSinkOptions options, ILogger logger, Action<ProducerConfig>? configure = null)
    {
        _logger = logger;
        var config = new ProducerConfig
        {
            BootstrapServers = options.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = options.LingerMilliseconds,
            MessageTimeoutMs = options.DeliveryTimeoutMilliseconds,
            Partitioner = Partitioner.Murmur2Random, // Kafka's Java default: same key, same partition as Debezium
        };
        configure?.Invoke(config);
        _producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build();
    }

    /// <summary>Produces the records in order; completes when Kafka acknowledged every one, throws <see cref="SinkDeliveryException"/> otherwise.</summary>
    public async Task PublishAsync(IReadOnlyList<ChangeRecord> records, CancellationToken cancellationToken)
    {
        var failure = await TryPublishAsync(records, cancellationToken);
        if (failure is not null)
        {
            _logger.LogWarning("Kafka delivery of {Count} records failed: {Error}", records.Count, failure);
            throw new SinkDeliveryException($"Kafka delivery failed: {failure}");
        }
    }

    private async Task<string?> TryPublishAsync(IReadOnlyList<ChangeRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return null;
        }

        var pending = records.Count;
        string? error = null;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var record in records)
        {
            try
            {
                _producer.Produce(record.Topic, new Message<byte[]?, byte[]?> { Key = record.Key, Value = record.Value }, report =>
                {
                    if (report.Error.IsError)
                    {
                        Interlocked.CompareExchange(ref error, report.Error.Reason, null);
                    }

                    if (Interlocked.Decrement(ref pending) == 0)
                    {
                        done.TrySetResult();
                    }
                });
            }
            catch (ProduceException<byte[]?, byte[]?> e)
            {
                Interlocked.CompareExchange(ref error, e.Error.Reason, null);
                if (Interlocked.Decrement(ref pending) == 0)
                {
                    done.TrySetResult();
                }
            }
        }

        await done.Task.WaitAsync(cancellationToken);
        return error;
    }

    /// <summary>Flushes and closes the producer.</summary>
    public ValueTask DisposeAsync()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
        return ValueTask.CompletedTask;
    }
}
