using Strangler.Cdc.Events;

namespace Strangler.Cdc.Capture;

/// <summary>Connector settings (<c>Cdc</c> section); documented in docs/cdc.md.</summary>
public sealed class CdcOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "Cdc";

    /// <summary>Connection string of the captured database (the user needs REPLICATION).</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Publication covering <see cref="Tables"/>; created when missing.</summary>
    public string Publication { get; set; } = "strangler";

    /// <summary>Durable logical replication slot (pgoutput); created when missing, never dropped.</summary>
    public string Slot { get; set; } = "strangler";

    /// <summary>Captured tables, <c>schema.table</c> (schema defaults to public).</summary>
    public List<string> Tables { get; set; } = [];

    /// <summary>Topic prefix (Debezium's topic.prefix): topics are <c>prefix.schema.table</c>.</summary>
    public string TopicPrefix { get; set; } = "strangler";

    /// <summary>Whether a new slot starts with a snapshot of the tables (Debezium's snapshot.mode).</summary>
    public SnapshotMode SnapshotMode { get; set; } = SnapshotMode.Initial;

    /// <summary>How numeric/decimal values are written (Debezium's decimal.handling.mode).</summary>
    public DecimalHandling DecimalHandling { get; set; } = DecimalHandling.Precise;

    /// <summary>Write <c>{"schema":…,"payload":…}</c> (true) or the payload only.</summary>
    public bool SchemasEnable { get; set; } = true;

    /// <summary>Follow each delete with a tombstone (null value, same key).</summary>
    public bool TombstonesOnDelete { get; set; } = true;

    /// <summary>Emit truncate events (<c>op: "t"</c>); skipped by default, as in Debezium.</summary>
    public bool EmitTruncate { get; set; }

    /// <summary>Heartbeat period on quiet tables (advances the slot), milliseconds; 0 disables.</summary>
    public int HeartbeatIntervalMilliseconds { get; set; } = 10_000;

    /// <summary>
    /// Transactions applied under a PostgreSQL replication origin whose name starts with this prefix are not captured:
    /// they are our own reverse sync writing a service's changes back into legacy, and capturing them would loop
    /// them back to the service. Empty captures everything.
    /// </summary>
    public string SkipOriginPrefix { get; set; } = "strangler";

    /// <summary>Most events handed to the sink in one batch.</summary>
    public int MaxBatchSize { get; set; } = 2_048;

    /// <summary>Transactions handed to the sink but not yet acknowledged, at most (delivery is pipelined; LSNs are confirmed in order).</summary>
    public int MaxInFlightBatches { get; set; } = 256;

    /// <summary>
    /// Debezium's provide.transaction.metadata: a <c>transaction</c> block on every streamed event, and BEGIN/END
    /// records on <c>{TopicPrefix}.transaction</c>.
    /// </summary>
    public bool TransactionMetadata { get; set; }

    /// <summary>A change that cannot be encoded: dead-lettered (default), fail the connector, or skipped.</summary>
    public EventFailureHandling EventFailureHandling { get; set; } = EventFailureHandling.DeadLetter;

    /// <summary>Topic of dead-lettered changes; empty means <c>{TopicPrefix}.dlq</c>.</summary>
    public string DeadLetterTopic { get; set; } = "";

    /// <summary>
    /// One active instance per slot: instances take a PostgreSQL advisory lock named after the slot before touching
    /// it; the others wait as standbys and take over when the active one stops (<see cref="SlotLeadership"/>). Off:
    /// a second instance on an active slot fails with one line instead of waiting.
    /// </summary>
    public bool LeaderElection { get; set; } = true;

    /// <summary>How often a standby tries to take over, and the active instance checks its lock's connection, milliseconds.</summary>
    public int StandbyRetryMilliseconds { get; set; } = 2_000;

    /// <summary>Longest wait before restarting from the slot after a failed delivery, milliseconds (backoff doubles up to it).</summary>
    public int MaxRetryBackoffMilliseconds { get; set; } = 30_000;
}
