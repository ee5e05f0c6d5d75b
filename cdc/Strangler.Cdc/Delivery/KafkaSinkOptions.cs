namespace Strangler.Cdc.Delivery;

/// <summary>Kafka delivery (<c>Cdc:Kafka</c>); configuring bootstrap servers selects Kafka over the embedded sink.</summary>
public sealed class KafkaSinkOptions
{
    /// <summary>Broker list, e.g. <c>127.0.0.1:9092</c>. Empty: the embedded sink is used.</summary>
    public string BootstrapServers { get; set; } = "";

    /// <summary>How long librdkafka keeps retrying a record (in order) before the batch fails, milliseconds.</summary>
    public int DeliveryTimeoutMilliseconds { get; set; } = 30_000;

    /// <summary>Producer linger: how long records wait to be batched, milliseconds (latency vs throughput).</summary>
    public int LingerMilliseconds { get; set; } = 1;
}
