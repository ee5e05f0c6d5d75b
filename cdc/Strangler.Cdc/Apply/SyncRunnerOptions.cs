namespace Strangler.Cdc.Apply;

/// <summary>Where a sync reads from: the legacy database (embedded capture with its own slot) or Kafka topics (a consumer group).</summary>
public sealed class SyncRunnerOptions
{
    /// <summary>False: the sync does not run (the service owns its data); its status says so.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The legacy database (embedded transport): captured with this sync's own slot and publication.</summary>
    public string LegacyConnectionString { get; set; } = "";

    /// <summary>Legacy tables this sync applies, <c>schema.table</c>.</summary>
    public List<string> Tables { get; set; } = [];

    /// <summary>The sync's own replication slot (embedded transport), e.g. <c>sync_drivers</c>.</summary>
    public string Slot { get; set; } = "";

    /// <summary>The sync's own publication (embedded transport).</summary>
    public string Publication { get; set; } = "";

    /// <summary>Debezium topic prefix: topics are <c>{prefix}.{schema}.{table}</c>, dead letters <c>{prefix}.dlq</c>.</summary>
    public string TopicPrefix { get; set; } = "rideshare";

    /// <summary>Heartbeat period of the embedded capture, milliseconds (a quiet table still shows it is caught up).</summary>
    public int HeartbeatIntervalMilliseconds { get; set; } = 1_000;

    /// <summary>Largest number of events applied in one commit.</summary>
    public int MaxBatchSize { get; set; } = 2_048;

    /// <summary>Set: consume the Debezium topics from Kafka instead of capturing the legacy database itself.</summary>
    public string KafkaBootstrapServers { get; set; } = "";

    /// <summary>Kafka consumer group (one per service: its instances share the partitions).</summary>
    public string KafkaGroupId { get; set; } = "";

    /// <summary>Further librdkafka consumer settings (security.protocol, sasl.*, session.timeout.ms, ...).</summary>
    public Dictionary<string, string> KafkaSettings { get; set; } = [];

    /// <summary>Kafka topics; empty: <c>{TopicPrefix}.{table}</c> for each table.</summary>
    public List<string> KafkaTopics { get; set; } = [];

    /// <summary>True when changes come from Kafka rather than the in-process connector.</summary>
    public bool UsesKafka => KafkaBootstrapServers.Length > 0;
}
