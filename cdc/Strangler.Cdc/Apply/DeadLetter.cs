using System.Text.Json;

namespace Strangler.Cdc.Apply;

/// <summary>
/// A change that could not be applied (malformed, dead-lettered by the connector, or refused by the
/// projection): why, where it was read, and the event itself, kept by the sync target so nothing is lost.
/// </summary>
public sealed record DeadLetter(string Reason, string Table, string Position, ulong Lsn, string? Key, string? Value, DateTimeOffset At)
{
    /// <summary>The dead letter as stored by a target that keeps it as text.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, SyncJson.Options);

    /// <summary>Reads a dead letter back from its stored JSON.</summary>
    public static DeadLetter FromJson(string json) => JsonSerializer.Deserialize<DeadLetter>(json, SyncJson.Options)!;

    /// <summary>A change the projection refused (<see cref="PoisonChangeException"/>), with the event it came from.</summary>
    public static DeadLetter ForChange(SourceChange change, string reason, DateTimeOffset at) =>
        new(reason, change.Table, change.Position, change.Lsn, change.Key, change.Value, at);
}
