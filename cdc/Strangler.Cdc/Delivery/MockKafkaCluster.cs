using Confluent.Kafka;

namespace Strangler.Cdc.Delivery;

/// <summary>
/// librdkafka's built-in mock cluster, hosted by a client in this process: a real Kafka-protocol broker on
/// loopback that any Kafka client can reach at <see cref="BootstrapServers"/>. TEST-ONLY and NON-DURABLE:
/// everything is lost when it is disposed. Topics are created on first use.
/// </summary>
internal sealed class MockKafkaCluster : IDisposable
{
    private readonly IProducer<Null, Null> _host;

    public MockKafkaCluster(int brokers = 1)
    {
        var config = new ProducerConfig { BootstrapServers = "127.0.0.1:1" };
        config.Set("test.mock.num.brokers", brokers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _host = new ProducerBuilder<Null, Null>(config).Build();
        using var admin = new DependentAdminClientBuilder(_host.Handle).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        BootstrapServers = string.Join(",", metadata.Brokers.Select(b => $"{b.Host}:{b.Port}"));
    }

    /// <summary>The brokers' addresses, e.g. <c>127.0.0.1:38451</c>.</summary>
    public string BootstrapServers { get; }

    public void Dispose() => _host.Dispose();
}
