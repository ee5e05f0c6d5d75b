using System.Globalization;
using System.Text.Json;
using Strangler.Cdc.Consumer;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Apply;

/// <summary>
/// Typed access to one row of a change (its <c>after</c>, <c>before</c> or key) for a projection. Accepts every
/// form a Debezium event can carry a value in — the schema-typed forms of <see cref="DebeziumEventReader"/>, and
/// the loose ones of an event without schema or with <c>decimal.handling.mode</c> string/double — and throws
/// <see cref="PoisonChangeException"/> naming the column for anything else, so the change is dead-lettered.
/// Columns the projection does not ask for (a column added to the legacy table later) are ignored.
/// </summary>
public sealed class ChangeRow(IReadOnlyDictionary<string, object?> values, string table)
{
    /// <summary>Debezium's placeholder for an unchanged TOASTed value the event does not carry.</summary>
    public const string Unavailable = DebeziumEncoder.UnavailableValue;

    /// <summary>True when the row has the column.</summary>
    public bool Has(string column) => values.ContainsKey(column);

    /// <summary>The column as text (null for SQL NULL).</summary>
    public string Text(string column) => OptionalText(column) ?? throw Missing(column);

    /// <summary>The text, or <see cref="Unavailable"/> when the event left an unchanged TOASTed value out.</summary>
    public string? OptionalText(string column) => Value(column) switch
    {
        null => null,
        string s => s,
        var other => throw Wrong(column, other, "text"),
    };

    /// <summary>The column as a whole number; throws a poison-change error when absent or not a number.</summary>
    public long Long(string column) => OptionalLong(column) ?? throw Missing(column);

    /// <summary>The column as a whole number, or null.</summary>
    public long? OptionalLong(string column) => Value(column) switch
    {
        null => null,
        long l => l,
        int i => i,
        decimal d when d == decimal.Truncate(d) && d is >= long.MinValue and <= long.MaxValue => (long)d,
        string s when long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
        var other => throw Wrong(column, other, "a whole number"),
    };

    /// <summary>The column as a 32-bit whole number.</summary>
    public int Int(string column)
    {
        var value = Long(column);
        return value is >= int.MinValue and <= int.MaxValue ? (int)value : throw new PoisonChangeException($"{table}.{column} is {value}, beyond a 32-bit integer");
    }

    /// <summary>The column as a boolean.</summary>
    public bool Bool(string column) => Value(column) switch
    {
        bool b => b,
        null => throw Missing(column),
        var other => throw Wrong(column, other, "a boolean"),
    };

    /// <summary>A decimal, from the precise form, a string (<c>decimal.handling.mode=string</c>) or a double.</summary>
    public decimal? OptionalDecimal(string column) => Value(column) switch
    {
        null => null,
        decimal d => d,
        long l => l,
        double d when double.IsFinite(d) && Math.Abs(d) < 7.9e28 => (decimal)d,
        string s when decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        var other => throw Wrong(column, other, "a decimal number"),
    };

    /// <summary>A date, from io.debezium.time.Date (days since the epoch) or ISO text.</summary>
    public DateOnly Date(string column) => Value(column) switch
    {
        DateOnly d => d,
        long days when days is > -719_162 and < 2_932_896 => DateOnly.FromDayNumber(719_162 + (int)days),
        string s when DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) => d,
        null => throw Missing(column),
        TemporalValue t => throw new PoisonChangeException($"{table}.{column} is {t}, a date this store cannot hold"),
        var other => throw Wrong(column, other, "a date"),
    };

    /// <summary>A UUID, from io.debezium.data.Uuid or its text.</summary>
    public Guid Uuid(string column) => Value(column) switch
    {
        Guid g => g,
        string s when System.Guid.TryParseExact(s, "D", out var g) => g,
        null => throw Missing(column),
        var other => throw Wrong(column, other, "a UUID"),
    };

    /// <summary>The column as a UTC timestamp, or null.</summary>
    public DateTimeOffset Timestamp(string column) => OptionalTimestamp(column) ?? throw Missing(column);

    /// <summary>An instant, from ZonedTimestamp text or a Timestamp/MicroTimestamp (read as UTC).</summary>
    public DateTimeOffset? OptionalTimestamp(string column) => Value(column) switch
    {
        null => null,
        DateTimeOffset t => t.ToUniversalTime(),
        DateTime t => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)),
        string s when DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) => t.ToUniversalTime(),
        long micros when micros is > -62_135_596_800_000_000 and < 253_402_300_800_000_000 => DateTimeOffset.UnixEpoch.AddTicks(micros * 10),
        TemporalValue t => throw new PoisonChangeException($"{table}.{column} is {t}, an instant this store cannot hold"),
        var other => throw Wrong(column, other, "a timestamp"),
    };

    private object? Value(string column) => values.TryGetValue(column, out var value) ? value : null;

    private PoisonChangeException Missing(string column) => new($"{table}.{column} is missing or null, and the store requires it");

    private PoisonChangeException Wrong(string column, object value, string expected) =>
        new($"{table}.{column} holds {Describe(value)}, not {expected}");

    private static string Describe(object value) => value switch
    {
        string s => $"the text '{(s.Length <= 40 ? s : s[..37] + "...")}'",
        JsonElement e => $"a JSON {e.ValueKind.ToString().ToLowerInvariant()}",
        byte[] b => $"{b.Length} bytes (a precise decimal without its schema cannot be decoded: enable schemas or use decimal.handling.mode=string)",
        _ => $"a {value.GetType().Name} ({Convert.ToString(value, CultureInfo.InvariantCulture)})",
    };
}
