using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Delivery;

/// <summary>
/// Kafka delivery: an idempotent producer with acks=all; the record key decides the partition, so events of
/// one row stay in order. A batch counts as delivered only when every record is acknowledged; while Kafka is
/// unreachable the batch is retried with backoff and nothing is acknowledged to PostgreSQL.
/// </summary>
public sealed class KafkaSink : IChangeSink
{
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly KafkaSinkOptions _options;
    private readonly ILogger _logger;
    private long _failedAttempts;

    public KafkaSink(KafkaSinkOptions options, ILogger logger, Action<ProducerConfig>? configure = null)
    {
        _options = options;
        _logger = logger;
        var config = new ProducerConfig
        {
            BootstrapServers = options.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            MessageTimeoutMs = options.DeliveryTimeoutMilliseconds,
            Partitioner = Partitioner.Murmur2Random, // Kafka's Java default: same key, same partition as Debezium
        };
        configure?.Invoke(config);
        _producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build();
    }

    /// <summary>Batch deliveries that failed and were retried (Kafka unreachable or refusing).</summary>
    public long FailedAttempts => Interlocked.Read(ref _failedAttempts);

    public async Task PublishAsync(IReadOnlyList<ChangeRecord> records, CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            var failure = await TryPublishAsync(records, cancellationToken);
            if (failure is null)
            {
                return;
            }

            Interlocked.Increment(ref _failedAttempts);
            _logger.LogWarning("Kafka delivery failed ({Error}); retrying {Count} records in {Delay} ms, nothing acknowledged meanwhile",
                failure, records.Count, backoff.TotalMilliseconds);
            await Task.Delay(backoff, cancellationToken);
            backoff = TimeSpan.FromMilliseconds(Math.Min(_options.MaxRetryBackoffMilliseconds, backoff.TotalMilliseconds * 2));
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

    public ValueTask DisposeAsync()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
        return ValueTask.CompletedTask;
    }
}
