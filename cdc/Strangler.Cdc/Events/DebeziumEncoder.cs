using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Strangler.Cdc.Capture;

namespace Strangler.Cdc.Events;

/// <summary>
/// Writes change events in the Debezium PostgreSQL connector's JSON format (field order, schemas, logical
/// types), from column values in PostgreSQL's text output (ISO dates, UTC). See
/// ../shared/reference/debezium-postgres-format.md and docs/cdc.md.
/// </summary>
internal sealed class DebeziumEncoder : IDisposable
{
    private readonly CdcOptions _options;
    private readonly string _database;
    private readonly TimeProvider _time;

    public DebeziumEncoder(CdcOptions options, string database, TimeProvider time)
    {
        _options = options;
        _database = database;
        _time = time;
        _writer = new Utf8JsonWriter(_buffer, WriterOptions);
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>source.version: this connector, not Debezium's.</summary>
    public const string ConnectorVersion = "strangler-0.1.0";
    private const string SnapshotValues = "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental";
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true, Encoder = DebeziumJsonEscaping.Instance };
    private readonly Dictionary<string, (byte[] Key, byte[] Value)> _schemas = new(StringComparer.Ordinal);
    private readonly ArrayBufferWriter<byte> _buffer = new(8192);
    private readonly Utf8JsonWriter _writer;

    public string Topic(TableInfo table) => Sanitize($"{_options.TopicPrefix}.{table.Schema}.{table.Name}");

    /// <summary>Forgets cached schemas (a table's definition changed).</summary>
    public void Invalidate(TableInfo table) => _schemas.Remove(table.QualifiedName);

    /// <summary>
    /// The event for one row change; <paramref name="before"/>/<paramref name="after"/> are text values in column order
    /// (null = SQL NULL). A value that cannot be encoded throws <see cref="UnencodableEventException"/>.
    /// </summary>
    public ChangeRecord Encode(TableInfo table, ChangeOperation op, string?[]? before, string?[]? after, SourceInfo source, TransactionBlock? transaction = null)
    {
        try
        {
            return EncodeCore(table, op, before, after, source, transaction);
        }
        catch (UnencodableValueException e)
        {
            throw new UnencodableEventException(table.QualifiedName, op, KeyText(table, after ?? before), source.Position, e);
        }
    }

    /// <summary>The dead-letter topic's record for a change that could not be encoded: every value as PostgreSQL's text, nothing lost.</summary>
    public ChangeRecord DeadLetter(TableInfo table, string?[]? before, string?[]? after, SourceInfo source, UnencodableEventException failure)
    {
        var topic = _options.DeadLetterTopic.Length > 0 ? _options.DeadLetterTopic : Sanitize($"{_options.TopicPrefix}.dlq");
        var key = Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("table", table.QualifiedName);
            w.WritePropertyName("key");
            WriteTextRow(w, table, after ?? before, keyOnly: true);
            w.WriteEndObject();
        });
        var value = Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("reason", failure.Reason);
            w.WriteString("column", failure.Column);
            w.WriteString("table", table.QualifiedName);
            w.WriteString("op", failure.Operation.Code());
            w.WriteNumber("lsn", source.Position);
            if (source.TxId is { } tx)
            {
                w.WriteNumber("txId", tx);
            }

            w.WriteNumber("ts_ms", source.Timestamp!.Value.ToUnixTimeMilliseconds());
            w.WritePropertyName("before");
            WriteTextRow(w, table, before, keyOnly: false);
            w.WritePropertyName("after");
            WriteTextRow(w, table, after, keyOnly: false);
            w.WriteEndObject();
        });
        return new ChangeRecord(topic, key, value, source.Position);
    }

    private static string KeyText(TableInfo table, string?[]? row)
    {
        if (row is null || !table.HasPrimaryKey)
        {
            return "(no key)";
        }

        var parts = table.Columns.Select((c, i) => (c, i)).Where(x => x.c.IsKey)
            .Select(x => $"\"{x.c.Name}\":{(row[x.i] is { } v ? JsonSerializer.Serialize(v) : "null")}");
        return "{" + string.Join(",", parts) + "}";
    }

    private static void WriteTextRow(Utf8JsonWriter w, TableInfo table, string?[]? row, bool keyOnly)
    {
        if (row is null)
        {
            w.WriteNullValue();
            return;
        }

        w.WriteStartObject();
        for (var i = 0; i < table.Columns.Count; i++)
        {
            if (!keyOnly || table.Columns[i].IsKey)
            {
                w.WriteString(table.Columns[i].Name, row[i]);
            }
        }

        w.WriteEndObject();
    }

    private ChangeRecord EncodeCore(TableInfo table, ChangeOperation op, string?[]? before, string?[]? after, SourceInfo source, TransactionBlock? transaction)
    {
        var (keySchema, valueSchema) = Schemas(table);
        var keyRow = after ?? before;
        byte[]? key = null;
        if (table.HasPrimaryKey && keyRow is not null)
        {
            key = WriteRecord(keySchema, w => WriteRow(w, table, keyRow, keyOnly: true));
        }

        var now = _time.GetUtcNow();
        var value = WriteRecord(valueSchema, w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("before");
            WriteRowOrNull(w, table, before);
            w.WritePropertyName("after");
            WriteRowOrNull(w, table, after);
            w.WritePropertyName("source");
            WriteSource(w, table, source);
            if (transaction is { } tx)
            {
                w.WriteStartObject("transaction");
                w.WriteString("id", tx.Id);
                w.WriteNumber("total_order", tx.TotalOrder);
                w.WriteNumber("data_collection_order", tx.DataCollectionOrder);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("transaction");
            }

            w.WriteString("op", op.Code());
            WriteTimestamps(w, now);
            w.WriteEndObject();
        });
        return new ChangeRecord(Topic(table), key, value, source.Position);
    }

    /// <summary>The tombstone after a delete: same topic and key, null value.</summary>
    public static ChangeRecord Tombstone(ChangeRecord delete) => delete with { Value = null };

    /// <summary>Transaction metadata: a BEGIN or END record on <c>{prefix}.transaction</c> (END carries the counts).</summary>
    public ChangeRecord TransactionBoundary(string status, string id, DateTimeOffset commitTime, ulong lsn, long? eventCount, IEnumerable<(string Table, long Count)>? perTable)
    {
        var key = WriteRecord(TransactionKeySchema, w =>
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteEndObject();
        });
        var value = WriteRecord(TransactionValueSchema, w =>
        {
            w.WriteStartObject();
            w.WriteString("status", status);
            w.WriteString("id", id);
            if (eventCount is { } count)
            {
                w.WriteNumber("event_count", count);
            }
            else
            {
                w.WriteNull("event_count");
            }

            if (perTable is null)
            {
                w.WriteNull("data_collections");
            }
            else
            {
                w.WriteStartArray("data_collections");
                foreach (var (table, tableCount) in perTable)
                {
                    w.WriteStartObject();
                    w.WriteString("data_collection", table);
                    w.WriteNumber("event_count", tableCount);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            w.WriteNumber("ts_ms", commitTime.ToUnixTimeMilliseconds());
            w.WriteEndObject();
        });
        return new ChangeRecord(Sanitize($"{_options.TopicPrefix}.transaction"), key, value, lsn);
    }

    private static readonly byte[] TransactionKeySchema =
        """{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"}],"optional":false,"name":"io.debezium.connector.common.TransactionMetadataKey","version":1}"""u8.ToArray();

    private static readonly byte[] TransactionValueSchema =
        """{"type":"struct","fields":[{"type":"string","optional":false,"field":"status"},{"type":"string","optional":false,"field":"id"},{"type":"int64","optional":true,"field":"event_count"},{"type":"array","items":{"type":"struct","fields":[{"type":"string","optional":false,"field":"data_collection"},{"type":"int64","optional":false,"field":"event_count"}],"optional":true,"name":"event.collection","version":1},"optional":true,"field":"data_collections"},{"type":"int64","optional":false,"field":"ts_ms"}],"optional":false,"name":"io.debezium.connector.common.TransactionMetadataValue","version":1}"""u8.ToArray();

    /// <summary>A heartbeat record (<c>__debezium-heartbeat.prefix</c>).</summary>
    public ChangeRecord Heartbeat(ulong lsn)
    {
        var key = WriteRecord(HeartbeatKeySchema, w =>
        {
            w.WriteStartObject();
            w.WriteString("serverName", _options.TopicPrefix);
            w.WriteEndObject();
        });
        var value = WriteRecord(HeartbeatValueSchema, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("ts_ms", _time.GetUtcNow().ToUnixTimeMilliseconds());
            w.WriteEndObject();
        });
        return new ChangeRecord(Sanitize($"__debezium-heartbeat.{_options.TopicPrefix}"), key, value, lsn);
    }

    private static readonly byte[] HeartbeatKeySchema =
        """{"type":"struct","fields":[{"type":"string","optional":false,"field":"serverName"}],"optional":false,"name":"io.debezium.connector.common.ServerNameKey"}"""u8.ToArray();

    private static readonly byte[] HeartbeatValueSchema =
        """{"type":"struct","fields":[{"type":"int64","optional":false,"field":"ts_ms"}],"optional":false,"name":"io.debezium.connector.common.Heartbeat"}"""u8.ToArray();

    /// <summary>A key or value: <c>{"schema":…,"payload":…}</c> with schemas enabled, else the payload alone.</summary>
    private byte[] WriteRecord(byte[] schema, Action<Utf8JsonWriter> payload) => Write(w =>
    {
        if (!_options.SchemasEnable)
        {
            payload(w);
            return;
        }

        w.WriteStartObject();
        w.WritePropertyName("schema");
        w.WriteRawValue(schema, skipInputValidation: true);
        w.WritePropertyName("payload");
        payload(w);
        w.WriteEndObject();
    });

    private (byte[] Key, byte[] Value) Schemas(TableInfo table)
    {
        if (_schemas.TryGetValue(table.QualifiedName, out var cached))
        {
            return cached;
        }

        var prefix = $"{_options.TopicPrefix}.{table.Schema}.{table.Name}";
        var key = Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "struct");
            w.WriteStartArray("fields");
            foreach (var column in table.KeyColumns)
            {
                WriteColumnSchema(w, column, optional: false, column.Name);
            }

            w.WriteEndArray();
            w.WriteBoolean("optional", false);
            w.WriteString("name", $"{prefix}.Key");
            w.WriteEndObject();
        });
        var value = Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "struct");
            w.WriteStartArray("fields");
            WriteRowSchema(w, table, prefix, "before");
            WriteRowSchema(w, table, prefix, "after");
            w.WriteRawValue($$"""{"type":"struct","fields":[{"type":"string","optional":false,"field":"version"},{"type":"string","optional":false,"field":"connector"},{"type":"string","optional":false,"field":"name"},{"type":"int64","optional":false,"field":"ts_ms"},{"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":"{{SnapshotValues}}"},"default":"false","field":"snapshot"},{"type":"string","optional":false,"field":"db"},{"type":"string","optional":true,"field":"sequence"},{"type":"int64","optional":true,"field":"ts_us"},{"type":"int64","optional":true,"field":"ts_ns"},{"type":"string","optional":false,"field":"schema"},{"type":"string","optional":false,"field":"table"},{"type":"int64","optional":true,"field":"txId"},{"type":"int64","optional":true,"field":"lsn"},{"type":"int64","optional":true,"field":"xmin"}],"optional":false,"name":"io.debezium.connector.postgresql.Source","field":"source"}""");
            w.WriteRawValue("""{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"},{"type":"int64","optional":false,"field":"total_order"},{"type":"int64","optional":false,"field":"data_collection_order"}],"optional":true,"name":"event.block","version":1,"field":"transaction"}""");
            w.WriteRawValue("""{"type":"string","optional":false,"field":"op"}""");
            w.WriteRawValue("""{"type":"int64","optional":true,"field":"ts_ms"}""");
            w.WriteRawValue("""{"type":"int64","optional":true,"field":"ts_us"}""");
            w.WriteRawValue("""{"type":"int64","optional":true,"field":"ts_ns"}""");
            w.WriteEndArray();
            w.WriteBoolean("optional", false);
            w.WriteString("name", $"{prefix}.Envelope");
            w.WriteNumber("version", 2);
            w.WriteEndObject();
        });
        _schemas[table.QualifiedName] = (key, value);
        return (key, value);
    }

    private void WriteRowSchema(Utf8JsonWriter w, TableInfo table, string prefix, string field)
    {
        w.WriteStartObject();
        w.WriteString("type", "struct");
        w.WriteStartArray("fields");
        foreach (var column in table.Columns)
        {
            WriteColumnSchema(w, column, column.Nullable && !column.IsKey, column.Name);
        }

        w.WriteEndArray();
        w.WriteBoolean("optional", true);
        w.WriteString("name", $"{prefix}.Value");
        w.WriteString("field", field);
        w.WriteEndObject();
    }

    private void WriteColumnSchema(Utf8JsonWriter w, ColumnInfo column, bool optional, string field)
    {
        w.WriteStartObject();
        void Logical(string type, string name, Action? parameters = null)
        {
            w.WriteString("type", type);
            w.WriteBoolean("optional", optional);
            w.WriteString("name", name);
            w.WriteNumber("version", 1);
            if (parameters is not null)
            {
                w.WriteStartObject("parameters");
                parameters();
                w.WriteEndObject();
            }
        }

        void Plain(string type)
        {
            w.WriteString("type", type);
            w.WriteBoolean("optional", optional);
        }

        switch (column.Kind)
        {
            case ColumnKind.Boolean: Plain("boolean"); break;
            case ColumnKind.Int16: Plain("int16"); break;
            case ColumnKind.Int32: Plain("int32"); break;
            case ColumnKind.Int64: Plain("int64"); break;
            case ColumnKind.Float: Plain("float"); break;
            case ColumnKind.Double: Plain("double"); break;
            case ColumnKind.Numeric when _options.DecimalHandling == DecimalHandling.String: Plain("string"); break;
            case ColumnKind.Numeric when _options.DecimalHandling == DecimalHandling.Double: Plain("double"); break;
            case ColumnKind.Numeric when column.Scale is { } scale:
                Logical("bytes", "org.apache.kafka.connect.data.Decimal", () =>
                {
                    w.WriteString("scale", scale.ToString(CultureInfo.InvariantCulture));
                    w.WriteString("connect.decimal.precision", column.Precision!.Value.ToString(CultureInfo.InvariantCulture));
                });
                break;
            case ColumnKind.Numeric:
                w.WriteString("type", "struct");
                w.WriteStartArray("fields");
                w.WriteRawValue("""{"type":"int32","optional":false,"field":"scale"}""");
                w.WriteRawValue("""{"type":"bytes","optional":false,"field":"value"}""");
                w.WriteEndArray();
                w.WriteBoolean("optional", optional);
                w.WriteString("name", "io.debezium.data.VariableScaleDecimal");
                w.WriteNumber("version", 1);
                w.WriteString("doc", "Variable scaled decimal");
                break;
            case ColumnKind.Uuid: Logical("string", "io.debezium.data.Uuid"); break;
            case ColumnKind.Json: Logical("string", "io.debezium.data.Json"); break;
            case ColumnKind.Enum: Logical("string", "io.debezium.data.Enum", () => w.WriteString("allowed", column.EnumValues ?? "")); break;
            case ColumnKind.Date: Logical("int32", "io.debezium.time.Date"); break;
            // time.precision.mode=adaptive (Debezium's default): milliseconds up to 3 fractional digits, else microseconds.
            case ColumnKind.Time when IsMillis(column): Logical("int32", "io.debezium.time.Time"); break;
            case ColumnKind.Time: Logical("int64", "io.debezium.time.MicroTime"); break;
            case ColumnKind.Timestamp when IsMillis(column): Logical("int64", "io.debezium.time.Timestamp"); break;
            case ColumnKind.Timestamp: Logical("int64", "io.debezium.time.MicroTimestamp"); break;
            case ColumnKind.TimestampTz: Logical("string", "io.debezium.time.ZonedTimestamp"); break;
            case ColumnKind.TimeTz: Logical("string", "io.debezium.time.ZonedTime"); break;
            case ColumnKind.Bytes: Plain("bytes"); break;
            default: Plain("string"); break;
        }

        if (EncodedDefault(column) is { } encoded)
        {
            w.WritePropertyName("default");
            w.WriteRawValue(encoded, skipInputValidation: true);
        }

        w.WriteString("field", field);
        w.WriteEndObject();
    }

    /// <summary>The column's default encoded like its values (Kafka's JsonConverter writes defaults so); null when none or not encodable.</summary>
    private byte[]? EncodedDefault(ColumnInfo column)
    {
        if (column.Default is null)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(64);
        try
        {
            using var writer = new Utf8JsonWriter(buffer, WriterOptions);
            WriteValue(writer, column, column.Default);
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        catch (UnencodableValueException)
        {
            return null;
        }
    }

    private void WriteRowOrNull(Utf8JsonWriter w, TableInfo table, string?[]? row)
    {
        if (row is null)
        {
            w.WriteNullValue();
        }
        else
        {
            WriteRow(w, table, row, keyOnly: false);
        }
    }

    private void WriteRow(Utf8JsonWriter w, TableInfo table, string?[] row, bool keyOnly)
    {
        w.WriteStartObject();
        for (var i = 0; i < table.Columns.Count; i++)
        {
            var column = table.Columns[i];
            if (keyOnly && !column.IsKey)
            {
                continue;
            }

            w.WritePropertyName(column.Name);
            WriteValue(w, column, row[i]);
        }

        w.WriteEndObject();
    }

    private void WriteSource(Utf8JsonWriter w, TableInfo table, SourceInfo source)
    {
        w.WriteStartObject();
        w.WriteString("version", ConnectorVersion);
        w.WriteString("connector", "postgresql");
        w.WriteString("name", _options.TopicPrefix);
        w.WriteNumber("ts_ms", source.Timestamp!.Value.ToUnixTimeMilliseconds());
        w.WriteString("snapshot", source.Snapshot);
        w.WriteString("db", _database);
        w.WriteString("sequence", source.Sequence);
        var micros = UnixMicros(source.Timestamp!.Value);
        w.WriteNumber("ts_us", micros);
        w.WriteNumber("ts_ns", micros * 1000);
        w.WriteString("schema", table.Schema);
        w.WriteString("table", table.Name);
        if (source.TxId is { } tx)
        {
            w.WriteNumber("txId", tx);
        }
        else
        {
            w.WriteNull("txId");
        }

        w.WriteNumber("lsn", source.Position);
        w.WriteNull("xmin");
        w.WriteEndObject();
    }

    private static void WriteTimestamps(Utf8JsonWriter w, DateTimeOffset now)
    {
        var micros = UnixMicros(now);
        w.WriteNumber("ts_ms", micros / 1000);
        w.WriteNumber("ts_us", micros);
        w.WriteNumber("ts_ns", micros * 1000);
    }

    private static long UnixMicros(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>
    /// Writes one column value from its PostgreSQL text form; a value the format cannot carry (or that is not
    /// what its type says) throws <see cref="UnencodableValueException"/> naming the column.
    /// </summary>
    internal void WriteValue(Utf8JsonWriter w, ColumnInfo column, string? text)
    {
        if (text is null)
        {
            w.WriteNullValue();
            return;
        }

        if (ReferenceEquals(text, UnavailableValue))
        {
            w.WriteStringValue(UnavailableValue);
            return;
        }

        try
        {
            WriteNonNull(w, column, text);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new UnencodableValueException(column.Name, $"'{Shorten(text)}' cannot be encoded as {column.Kind}: {e.Message}", e);
        }
    }

    private void WriteNonNull(Utf8JsonWriter w, ColumnInfo column, string text)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (column.Kind)
        {
            case ColumnKind.Boolean:
                w.WriteBooleanValue(text is "t" or "true");
                break;
            case ColumnKind.Int16 or ColumnKind.Int32 or ColumnKind.Int64:
                w.WriteNumberValue(long.Parse(text, NumberStyles.AllowLeadingSign, inv));
                break;
            case ColumnKind.Float:
                WriteFloat(w, float.Parse(text, NumberStyles.Float, inv));
                break;
            case ColumnKind.Double:
                WriteDouble(w, double.Parse(text, NumberStyles.Float, inv));
                break;
            case ColumnKind.Numeric when _options.DecimalHandling == DecimalHandling.String:
                w.WriteStringValue(PgNumeric.AsString(text));
                break;
            case ColumnKind.Numeric when _options.DecimalHandling == DecimalHandling.Double:
                WriteDouble(w, double.Parse(text, NumberStyles.Float, inv));
                break;
            case ColumnKind.Numeric when PgNumeric.IsSpecial(text):
                // Kafka Connect's Decimal has no NaN or infinity; Debezium fails here too.
                throw new UnencodableValueException(column.Name,
                    $"numeric '{text}' cannot be carried by a Decimal (Cdc:DecimalHandling=Precise); use DecimalHandling String or Double to capture it");
            case ColumnKind.Numeric when column.Scale is { } scale:
                w.WriteBase64StringValue(PgNumeric.Bytes(PgNumeric.AtScale(text, scale)));
                break;
            case ColumnKind.Numeric:
                var (unscaled, digits) = PgNumeric.Stripped(text);
                w.WriteStartObject();
                w.WriteNumber("scale", digits);
                w.WriteBase64String("value", PgNumeric.Bytes(unscaled));
                w.WriteEndObject();
                break;
            case ColumnKind.Date:
                w.WriteNumberValue(PgTemporal.Days(text));
                break;
            case ColumnKind.Time when IsMillis(column):
                w.WriteNumberValue(PgTemporal.TimeMicros(text) / 1000);
                break;
            case ColumnKind.Time:
                w.WriteNumberValue(PgTemporal.TimeMicros(text));
                break;
            case ColumnKind.Timestamp when IsMillis(column):
                w.WriteNumberValue(Math.DivRem(PgTemporal.TimestampMicros(text), 1000, out var rest) - (rest < 0 ? 1 : 0));
                break;
            case ColumnKind.Timestamp:
                w.WriteNumberValue(PgTemporal.TimestampMicros(text));
                break;
            case ColumnKind.TimestampTz:
                w.WriteStringValue(PgTemporal.ZonedTimestamp(text, column.Precision ?? 6));
                break;
            case ColumnKind.TimeTz:
                w.WriteStringValue(PgTemporal.ZonedTime(text));
                break;
            case ColumnKind.Bytes:
                w.WriteBase64StringValue(text.StartsWith("\\x", StringComparison.Ordinal) ? Convert.FromHexString(text.AsSpan(2)) : System.Text.Encoding.UTF8.GetBytes(text));
                break;
            default:
                w.WriteStringValue(text);
                break;
        }
    }

    private static bool IsMillis(ColumnInfo column) => column.Precision is <= 3;

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";

    /// <summary>The marker Debezium writes for an unchanged TOASTed value it cannot see.</summary>
    public const string UnavailableValue = "__debezium_unavailable_value";

    /// <summary>The value Debezium puts in a DEFAULT-identity delete's <c>before</c> for a non-key NOT NULL column.</summary>
    public static string? DefaultFor(ColumnInfo column) => column.Nullable ? null : column.Kind switch
    {
        ColumnKind.Boolean => "f",
        ColumnKind.Int16 or ColumnKind.Int32 or ColumnKind.Int64 or ColumnKind.Float or ColumnKind.Double or ColumnKind.Numeric => "0",
        ColumnKind.Date => "1970-01-01",
        ColumnKind.Time => "00:00:00",
        ColumnKind.Timestamp => "1970-01-01 00:00:00",
        ColumnKind.TimestampTz => "1970-01-01 00:00:00+00",
        ColumnKind.Bytes => "\\x",
        ColumnKind.Json => "{}",
        ColumnKind.Uuid => "00000000-0000-0000-0000-000000000000",
        _ => "",
    };

    /// <summary>A double as Jackson writes it (Java's Double.toString); non-finite values as strings, as Jackson quotes them.</summary>
    private static void WriteDouble(Utf8JsonWriter w, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteRawValue(JavaNumberFormat.Format(value), skipInputValidation: true);
        }
        else
        {
            w.WriteStringValue(JavaNumberFormat.Format(value));
        }
    }

    private static void WriteFloat(Utf8JsonWriter w, float value)
    {
        if (float.IsFinite(value))
        {
            w.WriteRawValue(JavaNumberFormat.Format(value), skipInputValidation: true);
        }
        else
        {
            w.WriteStringValue(JavaNumberFormat.Format(value));
        }
    }

    /// <summary>
    /// Runs <paramref name="write"/> on the encoder's one reusable writer and buffer (an encoder serves one
    /// stream at a time) and returns the bytes: one exact-size array per record, no per-record writer.
    /// </summary>
    private byte[] Write(Action<Utf8JsonWriter> write)
    {
        try
        {
            write(_writer);
            _writer.Flush();
            return _buffer.WrittenSpan.ToArray();
        }
        finally
        {
            // Also after a value that could not be encoded: the next record starts from an empty writer.
            _writer.Reset(_buffer);
            _buffer.ResetWrittenCount();
        }
    }

    private static string Sanitize(string topic) =>
        string.Create(topic.Length, topic, (span, t) =>
        {
            for (var i = 0; i < t.Length; i++)
            {
                var c = t[i];
                span[i] = char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_';
            }
        });
}
