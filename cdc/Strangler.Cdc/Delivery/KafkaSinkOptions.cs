namespace Strangler.Cdc.Delivery;

/// <summary>Kafka delivery (<c>Cdc:Kafka</c>); configuring bootstrap servers selects Kafka over the embedded sink.</summary>
public sealed class KafkaSinkOptions
{
    /// <summary>Broker list, e.g. <c>127.0.0.1:9092</c>. Empty: the embedded sink is used.</summary>
    public string BootstrapServers { get; set; } = "";

    /// <summary>How long one delivery attempt may take before it is retried, milliseconds.</summary>
    public int DeliveryTimeoutMilliseconds { get; set; } = 30_000;

    /// <summary>Longest wait between retries while Kafka is unreachable, milliseconds.</summary>
    public int MaxRetryBackoffMilliseconds { get; set; } = 30_000;
}
