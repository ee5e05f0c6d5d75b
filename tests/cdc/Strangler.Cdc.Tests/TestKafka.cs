using Strangler.Cdc.Delivery;
using Strangler.Testing;
using Testcontainers.Kafka;

namespace Strangler.Cdc.Tests;

/// <summary>
/// A real Kafka-protocol broker for a test: a Testcontainers Kafka when a Docker engine answers, otherwise
/// librdkafka's mock cluster in this process (reached over loopback like any broker).
/// </summary>
internal sealed class TestKafka : IAsyncDisposable
{
    private readonly KafkaContainer? _container;
    private readonly MockKafkaCluster? _mock;

    private TestKafka(KafkaContainer? container, MockKafkaCluster? mock, string bootstrapServers)
    {
        _container = container;
        _mock = mock;
        BootstrapServers = bootstrapServers;
    }

    public string BootstrapServers { get; }

    public static async Task<TestKafka> StartAsync()
    {
        if (!DockerEngine.IsReachable)
        {
            var mock = new MockKafkaCluster();
            return new TestKafka(null, mock, mock.BootstrapServers);
        }

        var container = new KafkaBuilder("confluentinc/cp-kafka:7.6.1").Build();
        await container.StartAsync();
        return new TestKafka(container, null, container.GetBootstrapAddress());
    }

    public async ValueTask DisposeAsync()
    {
        _mock?.Dispose();
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }
}
