using Strangler.Cdc.Events;

namespace Strangler.Cdc.Consumer;

/// <summary>
/// A decoded change: operation, key, row before and after (column name → CLR value: long for every integer
/// type, double, decimal with its scale kept (or <see cref="BigDecimal"/> beyond decimal's range), bool, string,
/// Guid, DateOnly, DateTime (UTC), DateTimeOffset, TimeSpan, byte[], <see cref="TemporalValue"/> for infinities and
/// years outside 1–9999, or JsonElement for structures), and the source position. Tombstones carry only the key.
/// </summary>
public sealed record DebeziumChange(
    ChangeOperation Operation,
    IReadOnlyDictionary<string, object?>? Key,
    IReadOnlyDictionary<string, object?>? Before,
    IReadOnlyDictionary<string, object?>? After,
    SourceInfo? Source);
