namespace Strangler.Cdc.Consumer;

/// <summary>
/// A decoded change: operation, key, row before and after (column name → CLR value: long, double, decimal,
/// bool, string, Guid, DateOnly, DateTime (UTC), DateTimeOffset, TimeSpan, byte[], or JsonElement for
/// structures), and the source position. Tombstones carry only the key.
/// </summary>
public sealed record DebeziumChange(
    ChangeOperation Operation,
    IReadOnlyDictionary<string, object?>? Key,
    IReadOnlyDictionary<string, object?>? Before,
    IReadOnlyDictionary<string, object?>? After,
    SourcePosition? Source);
