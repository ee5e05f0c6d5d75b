namespace Strangler.Cdc.Sync;

/// <summary>A service's sync from the legacy database (<c>Sync</c> section); documented in docs/services.md.</summary>
public sealed class SyncOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "Sync";

    /// <summary>Run the sync (legacy → this service's store).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>This service's replication slot on the legacy database; empty: <c>sync_{service}</c>.</summary>
    public string Slot { get; set; } = "";

    /// <summary>This service's publication; empty: <c>sync_{service}</c>.</summary>
    public string Publication { get; set; } = "";

    /// <summary>Debezium topic prefix (Kafka topics <c>{prefix}.public.{table}</c>).</summary>
    public string TopicPrefix { get; set; } = "rideshare";

    /// <summary>Heartbeat period of the embedded capture, milliseconds.</summary>
    public int HeartbeatIntervalMilliseconds { get; set; } = 1_000;

    /// <summary>Largest number of events applied in one commit.</summary>
    public int MaxBatchSize { get; set; } = 2_048;

    /// <summary>Kafka settings when the sync consumes from Kafka instead of running the connector in-process.</summary>
    public SyncKafkaOptions Kafka { get; set; } = new();
}

/// <summary>Kafka transport (<c>Sync:Kafka</c>): set BootstrapServers to consume Debezium topics instead of capturing the legacy database.</summary>
public sealed class SyncKafkaOptions
{
    /// <summary>The Kafka brokers, e.g. <c>kafka:9092</c>.</summary>
    public string BootstrapServers { get; set; } = "";

    /// <summary>Consumer group; empty: <c>sync-{service}</c>.</summary>
    public string GroupId { get; set; } = "";

    /// <summary>Topics; empty: <c>{TopicPrefix}.{table}</c> for each synced table.</summary>
    public List<string> Topics { get; set; } = [];

    /// <summary>Further librdkafka consumer settings by name (e.g. <c>security.protocol</c>, <c>sasl.mechanism</c>, <c>session.timeout.ms</c>).</summary>
    public Dictionary<string, string> Settings { get; set; } = [];
}
