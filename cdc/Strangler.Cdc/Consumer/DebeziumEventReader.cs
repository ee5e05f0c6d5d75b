using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Consumer;

/// <summary>
/// Reads Debezium PostgreSQL events — ours or a real Debezium connector's (2.x and 3.x), with or without
/// schemas — into <see cref="DebeziumChange"/>. With a schema, every field is checked against it the way Kafka
/// Connect's JsonConverter reads it (types, integer ranges, optional vs null, defaults, every listed field
/// present and nothing else) and logical types are decoded exactly; without one, values keep their JSON kind.
/// Anything that is not a valid event throws <see cref="MalformedEventException"/> with the reason, the field's
/// path and the position — never another exception, never a silently different value.
/// </summary>
public static class DebeziumEventReader
{
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 64, AllowDuplicateProperties = false };
    private static readonly long EpochDayNumber = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    /// <summary>Decodes a record of our engine (embedded delivery).</summary>
    public static DebeziumChange Read(Events.ChangeRecord record) =>
        Read(record.Key is null ? null : System.Text.Encoding.UTF8.GetString(record.Key),
             record.Value is null ? null : System.Text.Encoding.UTF8.GetString(record.Value),
             $"{record.Topic}@{record.Lsn}");

    /// <summary>Decodes one record; <paramref name="value"/> null is a tombstone.</summary>
    /// <exception cref="MalformedEventException">The record is not a valid Debezium event.</exception>
    public static DebeziumChange Read(string? key, string? value, string position)
    {
        try
        {
            return ReadCore(key, value, position);
        }
        catch (MalformedEventException)
        {
            throw;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or OverflowException
            or ArgumentException or KeyNotFoundException or IndexOutOfRangeException)
        {
            // Every rule has its own message below; this only keeps an unforeseen case from escaping as another type.
            throw new MalformedEventException(e is JsonException ? $"not JSON: {e.Message}" : e.Message, position, e);
        }
    }

    /// <summary>
    /// Decodes one field value according to its Kafka Connect field schema (null schema: by JSON kind). Values:
    /// long (every integer type, range-checked), double, decimal or <see cref="BigDecimal"/>, bool, string, Guid,
    /// byte[], DateOnly, DateTime (UTC), DateTimeOffset, TimeSpan, <see cref="TemporalValue"/> for dates and times
    /// .NET cannot hold, JsonElement for structs, arrays and maps.
    /// </summary>
    /// <exception cref="MalformedEventException">The value does not match its schema.</exception>
    public static object? DecodeValue(JsonElement value, JsonElement? schema) =>
        schema is { } s ? Field(value, s, "value", "(value)") : Loose(value);

    private static DebeziumChange ReadCore(string? key, string? value, string position)
    {
        Dictionary<string, object?>? keyRow = null;
        if (key is not null)
        {
            using var keyDocument = Parse(key);
            var keyPayload = Unwrap(keyDocument, position, out var keySchema);
            keyRow = keySchema is { } ks ? Struct(keyPayload, ks, "key", position) : LooseRow(keyPayload, "key", position);
        }

        if (value is null)
        {
            return new DebeziumChange(ChangeOperation.Tombstone, keyRow, null, null, null);
        }

        using var valueDocument = Parse(value);
        var payload = Unwrap(valueDocument, position, out var valueSchema);
        if (payload.ValueKind != JsonValueKind.Object)
        {
            throw new MalformedEventException("the value payload is not a JSON object", position);
        }

        Dictionary<string, object?>? before, after;
        SourceInfo? source;
        string? op;
        if (valueSchema is { } schema)
        {
            (before, after, op, source) = Envelope(payload, schema, position);
        }
        else
        {
            before = payload.TryGetProperty("before", out var b) ? LooseRow(b, "before", position) : null;
            after = payload.TryGetProperty("after", out var a) ? LooseRow(a, "after", position) : null;
            op = payload.TryGetProperty("op", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null;
            source = payload.TryGetProperty("source", out var s) ? Source(s, position) : null;
        }

        var operation = ChangeOperations.FromCode(op)
            ?? throw new MalformedEventException(op is null ? "the envelope has no 'op' string" : $"unknown op '{Shorten(op)}'", position);
        if (operation is ChangeOperation.Create or ChangeOperation.Read or ChangeOperation.Update && after is null)
        {
            throw new MalformedEventException($"op '{op}' without 'after'", position);
        }

        if (operation == ChangeOperation.Delete && before is null)
        {
            throw new MalformedEventException("op 'd' without 'before'", position);
        }

        return new DebeziumChange(operation, keyRow, before, after, source);
    }

    private static JsonDocument Parse(string json) => JsonDocument.Parse(json, ParseOptions);

    /// <summary>
    /// The payload and schema of a parsed event. The elements live as long as <paramref name="document"/>: every value
    /// that outlives the read (structs, arrays, maps, loose values) is cloned where it is decoded.
    /// </summary>
    private static JsonElement Unwrap(JsonDocument document, string position, out JsonElement? schema)
    {
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("schema", out var s) && root.TryGetProperty("payload", out var payload)
            && root.EnumerateObject().Count() == 2)
        {
            if (s.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            {
                throw new MalformedEventException("'schema' is neither a schema object nor null", position);
            }

            schema = s.ValueKind == JsonValueKind.Null ? null : s;
            return payload;
        }

        schema = null;
        return root;
    }

    /// <summary>The envelope checked against its schema: rows decoded, source and every other field validated.</summary>
    private static (Dictionary<string, object?>? Before, Dictionary<string, object?>? After, string? Op, SourceInfo? Source) Envelope(
        JsonElement payload, JsonElement schema, string position)
    {
        var fields = StructFields(schema, "value", position);
        CheckPresence(payload, fields, "value", position);
        Dictionary<string, object?>? before = null, after = null;
        string? op = null;
        SourceInfo? source = null;
        foreach (var (name, fieldSchema) in fields)
        {
            var field = payload.GetProperty(name);
            switch (name)
            {
                case "before" or "after" when field.ValueKind != JsonValueKind.Null:
                    var row = Struct(field, fieldSchema, name, position);
                    (before, after) = name == "before" ? (row, after) : (before, row);
                    break;
                case "source" when field.ValueKind != JsonValueKind.Null:
                    Struct(field, fieldSchema, name, position);
                    source = Source(field, position);
                    break;
                case "op":
                    op = Field(field, fieldSchema, "op", position) as string;
                    break;
                default:
                    Field(field, fieldSchema, name, position);
                    break;
            }
        }

        return (before, after, op, source);
    }

    private static Dictionary<string, object?> Struct(JsonElement value, JsonElement schema, string path, string position)
    {
        var fields = StructFields(schema, path, position);
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new MalformedEventException($"{path} is {Kind(value)}, its schema says struct", position);
        }

        CheckPresence(value, fields, path, position);
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, fieldSchema) in fields)
        {
            result[name] = Field(value.GetProperty(name), fieldSchema, $"{path}.{name}", position);
        }

        return result;
    }

    /// <summary>Every field the schema lists is in the object (Debezium writes every one, nulls included), and nothing else is.</summary>
    private static void CheckPresence(JsonElement value, Dictionary<string, JsonElement> fields, string path, string position)
    {
        foreach (var name in fields.Keys)
        {
            if (!value.TryGetProperty(name, out _))
            {
                throw new MalformedEventException($"{path}.{name} is missing: its schema lists it (Debezium writes every field, nulls included)", position);
            }
        }

        foreach (var property in value.EnumerateObject())
        {
            if (!fields.ContainsKey(property.Name))
            {
                throw new MalformedEventException($"{path}.{property.Name} is not in the schema", position);
            }
        }
    }

    private static JsonElement ValidatedCopy(JsonElement value, JsonElement schema, string path, string position)
    {
        Struct(value, schema, path, position);
        return value.Clone();
    }

    private static Dictionary<string, JsonElement> StructFields(JsonElement schema, string path, string position)
    {
        if (schema.ValueKind != JsonValueKind.Object || Str(schema, "type") != "struct")
        {
            throw new MalformedEventException($"the schema of {path} is not a struct schema", position);
        }

        if (!schema.TryGetProperty("fields", out var fields) || fields.ValueKind != JsonValueKind.Array)
        {
            throw new MalformedEventException($"the schema of {path} has no 'fields' array", position);
        }

        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var field in fields.EnumerateArray())
        {
            if (field.ValueKind != JsonValueKind.Object || Str(field, "field") is not { Length: > 0 } name)
            {
                throw new MalformedEventException($"a field of {path}'s schema has no 'field' name", position);
            }

            if (Str(field, "type") is null)
            {
                throw new MalformedEventException($"the schema of {path}.{name} has no 'type'", position);
            }

            if (!result.TryAdd(name, field))
            {
                throw new MalformedEventException($"{path}'s schema lists '{name}' twice", position);
            }
        }

        return result;
    }

    private static object? Field(JsonElement value, JsonElement schema, string path, string position)
    {
        if (schema.ValueKind != JsonValueKind.Object || Str(schema, "type") is not { } type)
        {
            throw new MalformedEventException($"the schema of {path} has no 'type'", position);
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            if (schema.TryGetProperty("default", out var fallback) && fallback.ValueKind != JsonValueKind.Null)
            {
                return Field(fallback, schema, path + " (default)", position); // as JsonConverter reads a null with a default
            }

            return IsOptional(schema) ? null : throw new MalformedEventException($"{path} is null but its schema is not optional", position);
        }

        var name = Str(schema, "name");
        try
        {
            return name switch
            {
                "org.apache.kafka.connect.data.Decimal" => Decimal(value, schema, type, path, position),
                "io.debezium.data.VariableScaleDecimal" => VariableScaleDecimal(value, path, position),
                "io.debezium.time.Date" or "org.apache.kafka.connect.data.Date" => Date(Integer(value, type, path, position), name),
                "io.debezium.time.Timestamp" or "org.apache.kafka.connect.data.Timestamp" => Timestamp(Integer(value, type, path, position), name, TimeSpan.TicksPerMillisecond, 1000),
                "io.debezium.time.MicroTimestamp" => Timestamp(Integer(value, type, path, position), name, 10, 1),
                "io.debezium.time.NanoTimestamp" => NanoTimestamp(Integer(value, type, path, position), name),
                "io.debezium.time.ZonedTimestamp" => ZonedTimestamp(Text(value, type, path, position), path, position),
                "io.debezium.time.MicroTime" => TimeOfDay(Integer(value, type, path, position), 10, path, position),
                "io.debezium.time.Time" or "org.apache.kafka.connect.data.Time" => TimeOfDay(Integer(value, type, path, position), TimeSpan.TicksPerMillisecond, path, position),
                "io.debezium.time.NanoTime" => Integer(value, type, path, position) % 100 == 0
                    ? TimeOfDay(Integer(value, type, path, position) / 100, 1, path, position)
                    : throw new MalformedEventException($"{path}: a NanoTime finer than 100 ns cannot be represented exactly", position),
                "io.debezium.time.ZonedTime" => ZonedTime(Text(value, type, path, position), path, position),
                "io.debezium.data.Uuid" => Guid.TryParseExact(Text(value, type, path, position), "D", out var guid)
                    ? guid : throw new MalformedEventException($"{path}: '{Shorten(value.GetString()!)}' is not a UUID", position),
                "io.debezium.data.Json" => Json(Text(value, type, path, position), path, position),
                "io.debezium.data.Enum" => EnumValue(Text(value, type, path, position), schema, path, position),
                _ => Plain(value, schema, type, path, position),
            };
        }
        catch (MalformedEventException)
        {
            throw;
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidOperationException or ArgumentException)
        {
            throw new MalformedEventException($"{path} does not match its schema ({e.Message})", position, e);
        }
    }

    private static object? Plain(JsonElement value, JsonElement schema, string type, string path, string position) => type switch
    {
        "int8" or "int16" or "int32" or "int64" => Integer(value, type, path, position),
        "float" => FloatingPoint(value, path, position, single: true),
        "double" => FloatingPoint(value, path, position, single: false),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw Mismatch(value, type, path, position),
        "string" => Text(value, type, path, position),
        "bytes" => Bytes(value, path, position, allowEmpty: true),
        "struct" => ValidatedCopy(value, schema, path, position),
        "array" => Array(value, schema, path, position),
        "map" => Map(value, schema, path, position),
        _ => throw new MalformedEventException($"the schema of {path} has an unknown type '{Shorten(type)}'", position),
    };

    private static long Integer(JsonElement value, string type, string path, string position)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
        {
            throw new MalformedEventException($"{path} is {Kind(value)}, its schema says {type} (a whole number)", position);
        }

        var (min, max) = type switch
        {
            "int8" => (sbyte.MinValue, sbyte.MaxValue),
            "int16" => (short.MinValue, short.MaxValue),
            "int32" => (int.MinValue, int.MaxValue),
            "int64" => (long.MinValue, long.MaxValue),
            _ => throw new MalformedEventException($"{path}: a logical type on '{type}' expects a whole number type", position),
        };
        return number >= min && number <= max
            ? number
            : throw new MalformedEventException($"{path} = {number} is outside {type}'s range ({min} to {max})", position);
    }

    private static double FloatingPoint(JsonElement value, string path, string position, bool single)
    {
        var number = value.ValueKind switch
        {
            JsonValueKind.Number => value.GetDouble(),
            // Jackson quotes the non-finite values.
            JsonValueKind.String => value.GetString() switch
            {
                "NaN" => double.NaN,
                "Infinity" => double.PositiveInfinity,
                "-Infinity" => double.NegativeInfinity,
                _ => throw new MalformedEventException($"{path}: '{Shorten(value.GetString()!)}' is not a number", position),
            },
            _ => throw Mismatch(value, single ? "float" : "double", path, position),
        };
        if (double.IsInfinity(number) && value.ValueKind == JsonValueKind.Number || single && double.IsFinite(number) && Math.Abs(number) > float.MaxValue)
        {
            throw new MalformedEventException($"{path} = {Shorten(value.GetRawText())} is outside {(single ? "float" : "double")}'s range", position);
        }

        return number;
    }

    private static string Text(JsonElement value, string type, string path, string position) =>
        type == "string" && value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Mismatch(value, type == "string" ? "string" : $"{type} (string expected)", path, position);

    private static byte[] Bytes(JsonElement value, string path, string position, bool allowEmpty)
    {
        if (value.ValueKind != JsonValueKind.String || !value.TryGetBytesFromBase64(out var bytes))
        {
            throw new MalformedEventException($"{path} is {Kind(value)}, its schema says bytes (Base64)", position);
        }

        return allowEmpty || bytes.Length > 0 ? bytes : throw new MalformedEventException($"{path}: an empty Base64 value is no number", position);
    }

    private static object Decimal(JsonElement value, JsonElement schema, string type, string path, string position)
    {
        if (!schema.TryGetProperty("parameters", out var parameters) || parameters.ValueKind != JsonValueKind.Object
            || Str(parameters, "scale") is not { } scaleText
            || !int.TryParse(scaleText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var scale))
        {
            throw new MalformedEventException($"{path}: a Decimal schema needs parameters.scale, a whole number as a string", position);
        }

        if (value.ValueKind == JsonValueKind.Number)
        {
            // JsonConverter's decimal.format=NUMERIC writes the number itself.
            return Exact(ParseNumber(value.GetRawText(), path, position));
        }

        if (type != "bytes")
        {
            throw new MalformedEventException($"{path}: a Decimal's schema type must be bytes, not {Shorten(type)}", position);
        }

        return Exact(new BigDecimal(new BigInteger(Bytes(value, path, position, allowEmpty: false), isUnsigned: false, isBigEndian: true), scale));
    }

    private static object VariableScaleDecimal(JsonElement value, string path, string position)
    {
        if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty("scale", out var scaleElement) || !value.TryGetProperty("value", out var bytes)
            || value.EnumerateObject().Count() != 2)
        {
            throw new MalformedEventException($"{path}: a VariableScaleDecimal is an object with exactly 'scale' and 'value'", position);
        }

        var scale = (int)Integer(scaleElement, "int32", path + ".scale", position);
        return Exact(new BigDecimal(new BigInteger(Bytes(bytes, path + ".value", position, allowEmpty: false), isUnsigned: false, isBigEndian: true), scale));
    }

    private static object Exact(BigDecimal value) => value.TryToDecimal(out var d) ? d : value;

    private static BigDecimal ParseNumber(string raw, string path, string position)
    {
        var text = raw;
        var exponent = 0;
        var e = text.IndexOfAny(['e', 'E']);
        if (e >= 0)
        {
            exponent = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }

        var negative = text.StartsWith('-');
        text = text.TrimStart('-');
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var fraction = dot < 0 ? "" : text[(dot + 1)..];
        var digits = (dot < 0 ? text : text[..dot]) + fraction;
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit))
        {
            throw new MalformedEventException($"{path}: '{Shorten(raw)}' is not a number", position);
        }

        var unscaled = BigInteger.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        return new BigDecimal(negative ? -unscaled : unscaled, checked(fraction.Length - exponent));
    }

    private static object Date(long days, string logicalType) => days switch
    {
        Events.PgTemporal.PositiveInfinityDays => new TemporalValue(logicalType, days, null, true, false),
        Events.PgTemporal.NegativeInfinityDays => new TemporalValue(logicalType, days, null, false, true),
        _ when days + EpochDayNumber >= DateOnly.MinValue.DayNumber && days + EpochDayNumber <= DateOnly.MaxValue.DayNumber
            => DateOnly.FromDayNumber((int)(days + EpochDayNumber)),
        _ => new TemporalValue(logicalType, days, null, false, false),
    };

    /// <summary>A timestamp in units of <paramref name="ticksPerUnit"/> ticks; <paramref name="unitsPerMicro"/> rescales Debezium's µs sentinels.</summary>
    private static object Timestamp(long value, string logicalType, long ticksPerUnit, long unitsPerMicro)
    {
        if (value == Events.PgTemporal.PositiveInfinityMicros / (unitsPerMicro == 1 ? 1 : 1000))
        {
            return new TemporalValue(logicalType, value, null, true, false);
        }

        if (value == Events.PgTemporal.NegativeInfinityMicros / (unitsPerMicro == 1 ? 1 : 1000))
        {
            return new TemporalValue(logicalType, value, null, false, true);
        }

        var ticks = (Int128)value * ticksPerUnit + DateTime.UnixEpoch.Ticks;
        return ticks >= DateTime.MinValue.Ticks && ticks <= DateTime.MaxValue.Ticks
            ? new DateTime((long)ticks, DateTimeKind.Utc)
            : new TemporalValue(logicalType, value, null, false, false);
    }

    private static object NanoTimestamp(long nanos, string logicalType) =>
        nanos % 100 == 0 ? Timestamp(nanos / 100, logicalType, 1, 1) : new TemporalValue(logicalType, nanos, null, false, false);

    private static TimeSpan TimeOfDay(long value, long ticksPerUnit, string path, string position)
    {
        var ticks = (Int128)value * ticksPerUnit;
        return ticks >= 0 && ticks <= TimeSpan.TicksPerDay
            ? TimeSpan.FromTicks((long)ticks)
            : throw new MalformedEventException($"{path} = {value} is not a time of day (0 to 24:00:00)", position);
    }

    private static object ZonedTimestamp(string text, string path, string position)
    {
        if (text is "infinity" or "-infinity")
        {
            return new TemporalValue("io.debezium.time.ZonedTimestamp", null, text, text == "infinity", text == "-infinity");
        }

        // java.time's ISO offset date-time: [+-]yyyy…-MM-ddTHH:mm[:ss[.fffffffff]](Z|±HH:mm[:ss])
        var match = System.Text.RegularExpressions.Regex.Match(text,
            "^([+-]?)(\\d{4,9})-(\\d{2})-(\\d{2})T(\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?(Z|[+-]\\d{2}:\\d{2}(?::\\d{2})?)\\z",
            System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        if (!match.Success)
        {
            throw new MalformedEventException($"{path}: '{Shorten(text)}' is not an ISO-8601 date-time with offset", position);
        }

        var year = long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) * (match.Groups[1].Value == "-" ? -1 : 1);
        var fraction = match.Groups[8].Value;
        if (year is < 1 or > 9999 || fraction.Length > 7 && fraction[7..].Any(c => c != '0'))
        {
            return new TemporalValue("io.debezium.time.ZonedTimestamp", null, text, false, false);
        }

        var normalized = $"{year:D4}-{match.Groups[3].Value}-{match.Groups[4].Value}T{match.Groups[5].Value}:{match.Groups[6].Value}:" +
            $"{(match.Groups[7].Success ? match.Groups[7].Value : "00")}.{fraction.PadRight(7, '0')[..7]}" +
            (match.Groups[9].Value == "Z" ? "+00:00" : match.Groups[9].Value[..6]);
        return DateTimeOffset.TryParseExact(normalized, "yyyy-MM-dd'T'HH:mm:ss.fffffffzzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)
            ? parsed
            : throw new MalformedEventException($"{path}: '{Shorten(text)}' is not a valid date-time", position);
    }

    private static string ZonedTime(string text, string path, string position) =>
        System.Text.RegularExpressions.Regex.IsMatch(text, "^\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})\\z",
            System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1))
            ? text
            : throw new MalformedEventException($"{path}: '{Shorten(text)}' is not an ISO-8601 time with offset", position);

    private static string Json(string text, string path, string position)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return text;
        }
        catch (JsonException)
        {
            throw new MalformedEventException($"{path}: its Json value is not JSON", position);
        }
    }

    private static string EnumValue(string text, JsonElement schema, string path, string position)
    {
        if (schema.TryGetProperty("parameters", out var parameters) && Str(parameters, "allowed") is { } allowed
            && !allowed.Split(',').Contains(text, StringComparer.Ordinal))
        {
            throw new MalformedEventException($"{path}: '{Shorten(text)}' is not one of the enum's values ({Shorten(allowed)})", position);
        }

        return text;
    }

    private static JsonElement Array(JsonElement value, JsonElement schema, string path, string position)
    {
        if (value.ValueKind != JsonValueKind.Array || !schema.TryGetProperty("items", out var items))
        {
            throw new MalformedEventException($"{path} is {Kind(value)}, its schema says array (with 'items')", position);
        }

        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            Field(item, items, $"{path}[{index++}]", position);
        }

        return value.Clone();
    }

    private static JsonElement Map(JsonElement value, JsonElement schema, string path, string position)
    {
        if (!schema.TryGetProperty("keys", out var keys) || !schema.TryGetProperty("values", out var values))
        {
            throw new MalformedEventException($"the schema of {path} is a map without 'keys' and 'values'", position);
        }

        if (value.ValueKind == JsonValueKind.Object && Str(keys, "type") == "string")
        {
            foreach (var property in value.EnumerateObject())
            {
                Field(property.Value, values, $"{path}.{property.Name}", position);
            }
        }
        else if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var pair in value.EnumerateArray())
            {
                if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2)
                {
                    throw new MalformedEventException($"{path}: a map entry is not a [key, value] pair", position);
                }

                Field(pair[0], keys, path + " key", position);
                Field(pair[1], values, path + " value", position);
            }
        }
        else
        {
            throw new MalformedEventException($"{path} is {Kind(value)}, its schema says map", position);
        }

        return value.Clone();
    }

    private static Dictionary<string, object?>? LooseRow(JsonElement row, string path, string position)
    {
        if (row.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (row.ValueKind != JsonValueKind.Object)
        {
            throw new MalformedEventException($"'{path}' is {Kind(row)}, not an object", position);
        }

        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in row.EnumerateObject())
        {
            result[property.Name] = Loose(property.Value);
        }

        return result;
    }

    /// <summary>Without a schema: strings, booleans, whole numbers as long, other numbers as exact decimals.</summary>
    private static object? Loose(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => value.TryGetInt64(out var l) ? l : Exact(ParseNumber(value.GetRawText(), "value", "")),
        _ => value.Clone(),
    };

    private static SourceInfo Source(JsonElement s, string position)
    {
        if (s.ValueKind != JsonValueKind.Object)
        {
            throw new MalformedEventException($"'source' is {Kind(s)}, not an object", position);
        }

        string? Text(string name) => !s.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
            : v.ValueKind == JsonValueKind.String ? v.GetString()
            : throw new MalformedEventException($"source.{name} is {Kind(v)}, not a string", position);
        long? Number(string name) => !s.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
            : v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n
            : throw new MalformedEventException($"source.{name} is {Kind(v)}, not a whole number", position);
        // Debezium 1.x wrote snapshot as a boolean; 2.x and 3.x as a string enum.
        var snapshot = !s.TryGetProperty("snapshot", out var snap) || snap.ValueKind == JsonValueKind.Null ? null
            : snap.ValueKind switch
            {
                JsonValueKind.String => snap.GetString(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => throw new MalformedEventException($"source.snapshot is {Kind(snap)}, not a string", position),
            };
        var sequence = Text("sequence");
        if (sequence is not null)
        {
            CheckSequence(sequence, position);
        }

        var timestamp = Number("ts_us") is { } us ? DateTimeOffset.UnixEpoch.AddTicks(us * 10)
            : Number("ts_ms") is { } ms ? DateTimeOffset.UnixEpoch.AddMilliseconds(ms)
            : (DateTimeOffset?)null;
        return new SourceInfo
        {
            Version = Text("version"), Name = Text("name"), Database = Text("db"), Schema = Text("schema"), Table = Text("table"),
            TxId = Number("txId"), Lsn = Number("lsn"), Snapshot = snapshot, Timestamp = timestamp, Sequence = sequence,
        };
    }

    /// <summary>source.sequence: a JSON array rendered as a string, of LSNs as decimal strings or null.</summary>
    private static void CheckSequence(string sequence, string position)
    {
        try
        {
            using var document = JsonDocument.Parse(sequence);
            if (document.RootElement.ValueKind == JsonValueKind.Array
                && document.RootElement.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Null
                    || e.ValueKind == JsonValueKind.String && ulong.TryParse(e.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                return;
            }
        }
        catch (JsonException)
        {
        }

        throw new MalformedEventException($"source.sequence '{Shorten(sequence)}' is not an array of LSNs", position);
    }

    private static bool IsOptional(JsonElement schema) => schema.TryGetProperty("optional", out var o) && o.ValueKind == JsonValueKind.True;

    private static string? Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static MalformedEventException Mismatch(JsonElement value, string type, string path, string position) =>
        new($"{path} is {Kind(value)}, its schema says {type}", position);

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"a string ({Shorten(value.GetString()!)})",
        JsonValueKind.Number => $"a number ({Shorten(value.GetRawText())})",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "missing",
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
