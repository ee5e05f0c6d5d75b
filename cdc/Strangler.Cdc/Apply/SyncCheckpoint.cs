using System.Text.Json;

namespace Strangler.Cdc.Apply;

/// <summary>
/// How far a sync target has applied, stored in the same commit as the data: the newest WAL position and the
/// commit time of the newest applied change (<see cref="CaughtUp"/> when a heartbeat proved nothing was pending),
/// and, over Kafka, the next offset of each partition.
/// </summary>
public sealed record SyncCheckpoint(ulong Lsn, DateTimeOffset? CommitTime, bool CaughtUp, IReadOnlyDictionary<string, long>? KafkaOffsets = null)
{
    /// <summary>The checkpoint before anything was applied.</summary>
    public static SyncCheckpoint Start { get; } = new(0, null, false);

    /// <summary>The checkpoint as stored by a target that keeps it as text (a Redis string, a document).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, SyncJson.Options);

    /// <summary>Reads a stored checkpoint (null or empty: <see cref="Start"/>).</summary>
    public static SyncCheckpoint? FromJson(string? json) => string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize<SyncCheckpoint>(json, SyncJson.Options);
}
