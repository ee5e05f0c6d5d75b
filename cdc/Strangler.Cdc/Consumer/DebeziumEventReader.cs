using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace Strangler.Cdc.Consumer;

/// <summary>
/// Reads Debezium PostgreSQL events — ours or a real Debezium connector's (2.x and 3.x), with or without
/// schemas — into <see cref="DebeziumChange"/>. With a schema, logical types are decoded (Decimal,
/// VariableScaleDecimal, Date, MicroTimestamp, ZonedTimestamp, MicroTime, Uuid, Json…); without one, values
/// keep their JSON kind. Anything that is not a valid event throws <see cref="MalformedEventException"/>.
/// </summary>
public static class DebeziumEventReader
{
    /// <summary>Decodes a record of our engine (embedded delivery).</summary>
    public static DebeziumChange Read(Events.ChangeRecord record) =>
        Read(record.Key is null ? null : System.Text.Encoding.UTF8.GetString(record.Key),
             record.Value is null ? null : System.Text.Encoding.UTF8.GetString(record.Value),
             $"{record.Topic}@{record.Lsn}");

    /// <summary>Decodes one record; <paramref name="value"/> null is a tombstone.</summary>
    public static DebeziumChange Read(string? key, string? value, string position)
    {
        try
        {
            var keyRow = key is null ? null : ReadRow(Unwrap(key, position, out var keySchema), keySchema, position);
            if (value is null)
            {
                return new DebeziumChange(ChangeOperation.Tombstone, keyRow, null, null, null);
            }

            var payload = Unwrap(value, position, out var valueSchema);
            if (payload.ValueKind != JsonValueKind.Object)
            {
                throw new MalformedEventException("the value payload is not a JSON object", position);
            }

            if (!payload.TryGetProperty("op", out var opElement) || opElement.ValueKind != JsonValueKind.String)
            {
                throw new MalformedEventException("the envelope has no 'op'", position);
            }

            var operation = opElement.GetString() switch
            {
                "r" => ChangeOperation.Read,
                "c" => ChangeOperation.Create,
                "u" => ChangeOperation.Update,
                "d" => ChangeOperation.Delete,
                "t" => ChangeOperation.Truncate,
                "m" => ChangeOperation.Message,
                var other => throw new MalformedEventException($"unknown op '{other}'", position),
            };
            var before = Row(payload, valueSchema, "before", position);
            var after = Row(payload, valueSchema, "after", position);
            if (operation is ChangeOperation.Create or ChangeOperation.Read && after is null)
            {
                throw new MalformedEventException($"op '{opElement.GetString()}' without 'after'", position);
            }

            if (operation == ChangeOperation.Update && after is null)
            {
                throw new MalformedEventException("op 'u' without 'after'", position);
            }

            return new DebeziumChange(operation, keyRow, before, after, ReadSource(payload));
        }
        catch (JsonException e)
        {
            throw new MalformedEventException($"not JSON: {e.Message}", position, e);
        }
        catch (FormatException e)
        {
            throw new MalformedEventException($"a value does not match its type: {e.Message}", position, e);
        }
    }

    /// <summary>Decodes one field value according to its Kafka Connect field schema (null schema: by JSON kind).</summary>
    public static object? DecodeValue(JsonElement value, JsonElement? schema)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (schema is not { } s)
        {
            return value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.Number => value.TryGetInt64(out var l) ? l : value.TryGetDecimal(out var d) ? d : value.GetDouble(),
                _ => value.Clone(),
            };
        }

        var name = s.TryGetProperty("name", out var n) ? n.GetString() : null;
        var type = s.TryGetProperty("type", out var t) ? t.GetString() : null;
        switch (name)
        {
            case "org.apache.kafka.connect.data.Decimal":
                var scale = int.Parse(s.GetProperty("parameters").GetProperty("scale").GetString()!, CultureInfo.InvariantCulture);
                return value.ValueKind == JsonValueKind.String ? ToDecimal(value.GetBytesFromBase64(), scale) : value.GetDecimal();
            case "io.debezium.data.VariableScaleDecimal":
                return ToDecimal(value.GetProperty("value").GetBytesFromBase64(), value.GetProperty("scale").GetInt32());
            case "io.debezium.time.Date" or "org.apache.kafka.connect.data.Date":
                return DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + value.GetInt32());
            case "io.debezium.time.MicroTimestamp":
                return DateTime.UnixEpoch.AddTicks(value.GetInt64() * 10);
            case "io.debezium.time.Timestamp" or "org.apache.kafka.connect.data.Timestamp":
                return DateTime.UnixEpoch.AddTicks(value.GetInt64() * TimeSpan.TicksPerMillisecond);
            case "io.debezium.time.NanoTimestamp":
                return DateTime.UnixEpoch.AddTicks(value.GetInt64() / 100);
            case "io.debezium.time.ZonedTimestamp":
                return DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture);
            case "io.debezium.time.MicroTime":
                return TimeSpan.FromTicks(value.GetInt64() * 10);
            case "io.debezium.time.Time" or "org.apache.kafka.connect.data.Time":
                return TimeSpan.FromMilliseconds(value.GetInt64());
            case "io.debezium.data.Uuid":
                return Guid.Parse(value.GetString()!);
        }

        return type switch
        {
            "int8" or "int16" or "int32" or "int64" => value.GetInt64(),
            "float" or "double" => value.ValueKind == JsonValueKind.String ? double.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetDouble(),
            "boolean" => value.GetBoolean(),
            "bytes" => value.GetBytesFromBase64(),
            "string" => value.GetString(),
            _ => value.Clone(),
        };
    }

    private static JsonElement Unwrap(string json, string position, out JsonElement? schema)
    {
        var root = JsonDocument.Parse(json).RootElement.Clone();
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("schema", out var s) && root.TryGetProperty("payload", out var payload)
            && root.EnumerateObject().Count() == 2)
        {
            schema = s.ValueKind == JsonValueKind.Null ? null : s;
            return payload;
        }

        schema = null;
        return root;
    }

    private static Dictionary<string, object?>? Row(JsonElement payload, JsonElement? envelopeSchema, string field, string position)
    {
        if (!payload.TryGetProperty(field, out var row) || row.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (row.ValueKind != JsonValueKind.Object)
        {
            throw new MalformedEventException($"'{field}' is not an object", position);
        }

        JsonElement? rowSchema = null;
        if (envelopeSchema is { } env && env.TryGetProperty("fields", out var fields))
        {
            rowSchema = fields.EnumerateArray().FirstOrDefault(f => f.TryGetProperty("field", out var name) && name.GetString() == field);
            if (rowSchema is { ValueKind: JsonValueKind.Undefined })
            {
                rowSchema = null;
            }
        }

        return ReadRow(row, rowSchema, position);
    }

    private static Dictionary<string, object?>? ReadRow(JsonElement row, JsonElement? structSchema, string position)
    {
        if (row.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (row.ValueKind != JsonValueKind.Object)
        {
            throw new MalformedEventException("a row or key is not a JSON object", position);
        }

        var fieldSchemas = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (structSchema is { } s && s.TryGetProperty("fields", out var fields))
        {
            foreach (var f in fields.EnumerateArray())
            {
                fieldSchemas[f.GetProperty("field").GetString()!] = f;
            }
        }

        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in row.EnumerateObject())
        {
            try
            {
                result[property.Name] = DecodeValue(property.Value, fieldSchemas.TryGetValue(property.Name, out var fs) ? fs : null);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or KeyNotFoundException)
            {
                throw new MalformedEventException($"column '{property.Name}' does not match its schema ({e.Message})", position, e);
            }
        }

        return result;
    }

    private static SourcePosition? ReadSource(JsonElement payload)
    {
        if (!payload.TryGetProperty("source", out var s) || s.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        string? Str(string name) => s.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        long? Num(string name) => s.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
        // Debezium 1.x wrote snapshot as a boolean; 2.x and 3.x as a string enum.
        var snapshot = s.TryGetProperty("snapshot", out var snap)
            ? snap.ValueKind switch { JsonValueKind.String => snap.GetString(), JsonValueKind.True => "true", JsonValueKind.False => "false", _ => null }
            : null;
        return new SourcePosition(Str("version"), Str("name"), Str("db"), Str("schema"), Str("table"), Num("txId"), Num("lsn"), snapshot, Num("ts_ms"), Str("sequence"));
    }

    private static decimal ToDecimal(byte[] bigEndianTwosComplement, int scale)
    {
        var unscaled = new BigInteger(bigEndianTwosComplement, isUnsigned: false, isBigEndian: true);
        return (decimal)unscaled / (decimal)BigInteger.Pow(10, scale);
    }
}
