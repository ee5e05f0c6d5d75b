using System.Text.Json;
using System.Text.Json.Nodes;
using Strangler.Cdc.Capture;
using Strangler.Cdc.Consumer;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Tests.Consumer;

/// <summary>
/// Thousands of random one-place mutations of valid events (real Debezium fixtures and our encoder's events
/// over every mapped type): the reader either throws MalformedEventException, or returns a change in which every
/// value it did not touch decodes exactly as before and every value has one of the documented types.
/// Seeded, so a failure reproduces.
/// </summary>
public sealed class ReaderFuzzTests
{
    private static readonly Type[] AllowedTypes =
    [
        typeof(long), typeof(double), typeof(decimal), typeof(BigDecimal), typeof(bool), typeof(string), typeof(Guid), typeof(byte[]),
        typeof(DateOnly), typeof(DateTime), typeof(DateTimeOffset), typeof(TimeSpan), typeof(TemporalValue), typeof(JsonElement),
    ];

    private static readonly string[] Replacements =
    [
        "null", "true", "false", "0", "-1", "1.5", "1e40", "-1e400", "3000000000", "9223372036854775807", "\"\"", "\"x\"", "\"AAAA\"",
        "\"!!\"", "\"NaN\"", "\"infinity\"", "\"2020-13-45T99:00:00Z\"", "[]", "[1]", "{}", "{\"scale\":1}",
    ];

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(0, 8).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void MutatedEvents_AreMalformedOrExact(int seed)
    {
        var random = new Random(1000 + seed);
        var originals = ValidEvents();
        for (var round = 0; round < 400; round++)
        {
            var (key, value) = originals[random.Next(originals.Count)];
            var baseline = DebeziumEventReader.Read(key, value, "original");
            var root = JsonNode.Parse(value)!;
            var (mutated, touched) = Mutate(root, random);
            var text = mutated.ToJsonString();

            DebeziumChange result;
            try
            {
                result = DebeziumEventReader.Read(key, text, $"seed {seed} round {round}");
            }
            catch (MalformedEventException e)
            {
                // A reason that says something, and the position it was read at.
                Assert.True(e.Reason.Length >= 12 && e.Message.Contains($"seed {seed} round {round}", StringComparison.Ordinal), $"reason '{e.Reason}'");
                continue;
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed} round {round}: {e.GetType().Name} ({e.Message}) for mutation at {touched}:\n{text}");
                throw;
            }

            foreach (var (name, row, before) in new[] { ("after", result.After, baseline.After), ("before", result.Before, baseline.Before) })
            {
                foreach (var (column, decoded) in row ?? new Dictionary<string, object?>())
                {
                    Assert.True(decoded is null || AllowedTypes.Contains(decoded.GetType()),
                        $"seed {seed} round {round}: {name}.{column} decoded as {decoded?.GetType().Name}");
                    if (!touched.Contains($".{column}", StringComparison.Ordinal) && !touched.Contains("schema", StringComparison.Ordinal)
                        && before is not null && before.TryGetValue(column, out var original) && decoded is not JsonElement)
                    {
                        Assert.True(Equals(original, decoded) || original is byte[] a && decoded is byte[] b && a.SequenceEqual(b),
                            $"seed {seed} round {round}: untouched {name}.{column} changed from {original} to {decoded} (mutation at {touched})");
                    }
                }
            }
        }
    }

    /// <summary>One mutation somewhere in the document: replace a value, remove a property, or rename one.</summary>
    private static (JsonNode Root, string Path) Mutate(JsonNode root, Random random)
    {
        var nodes = new List<(JsonNode? Parent, string? Name, int Index, string Path)>();
        Walk(root, null, null, -1, "$", nodes);
        var (parent, name, index, path) = nodes[random.Next(1, nodes.Count)];
        var replacement = JsonNode.Parse(Replacements[random.Next(Replacements.Length)]);
        switch (parent)
        {
            case JsonObject obj when random.Next(4) == 0:
                obj.Remove(name!);
                return (root, path + " (removed)");
            case JsonObject obj when random.Next(4) == 0:
                var moved = obj[name!];
                obj.Remove(name!);
                obj[name + "_"] = moved;
                return (root, path + " (renamed)");
            case JsonObject obj:
                obj[name!] = replacement;
                return (root, path);
            case JsonArray array:
                array[index] = replacement;
                return (root, path);
            default:
                return (root, path);
        }
    }

    private static void Walk(JsonNode? node, JsonNode? parent, string? name, int index, string path, List<(JsonNode?, string?, int, string)> nodes)
    {
        nodes.Add((parent, name, index, path));
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj.ToList())
                {
                    Walk(child, obj, key, -1, $"{path}.{key}", nodes);
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(array[i], array, null, i, $"{path}[{i}]", nodes);
                }

                break;
        }
    }

    /// <summary>The real Debezium fixtures and our encoder's events for a row holding every mapped type.</summary>
    private static List<(string? Key, string Value)> ValidEvents()
    {
        var events = new List<(string?, string)>
        {
            (Fixture.Text("persons-key.json"), Fixture.Text("persons-snapshot-read.json")),
            (null, Fixture.Text("persons-insert-payload.json")),
            (null, Fixture.Text("persons-update-payload.json")),
        };
        events.AddRange(Fixture.Lines("widgets-noschema-create-update-delete.jsonl").Select(l => ((string?)"{\"id\":\"w1\"}", l)));

        ColumnInfo Column(string name, ColumnKind kind, int? precision = null, int? scale = null, string? values = null, bool key = false) =>
            new(name, kind, 0, !key, key, precision, scale, values);
        var table = new TableInfo("public", "every_type",
        [
            Column("id", ColumnKind.Int64, key: true), Column("small", ColumnKind.Int16), Column("normal", ColumnKind.Int32),
            Column("ratio", ColumnKind.Double), Column("approx", ColumnKind.Float), Column("money", ColumnKind.Numeric, 10, 2),
            Column("free", ColumnKind.Numeric), Column("label", ColumnKind.Text), Column("ref", ColumnKind.Uuid), Column("doc", ColumnKind.Json),
            Column("mood", ColumnKind.Enum, values: "sad,ok,happy"), Column("day", ColumnKind.Date), Column("clock", ColumnKind.Time, 6),
            Column("clock3", ColumnKind.Time, 3), Column("local", ColumnKind.Timestamp, 6), Column("local3", ColumnKind.Timestamp, 3),
            Column("at", ColumnKind.TimestampTz, 6), Column("attz", ColumnKind.TimeTz, 6), Column("blob", ColumnKind.Bytes), Column("flag", ColumnKind.Boolean),
        ], FullReplicaIdentity: true);
        string?[] row =
        [
            "7", "-7", "123456", "2.5", "1.25", "1200.00", "3.14159", "héllo \"q\"", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{\"k\": [1, 2]}", "happy",
            "2026-01-02", "13:14:15.25", "13:14:15.25", "2026-01-02 03:04:05.5", "2026-01-02 03:04:05.5", "2026-01-02 01:04:05.123456+00",
            "13:51:30.123789+02", "\\x0102ff", "t",
        ];
        using var encoder = new DebeziumEncoder(new CdcOptions { TopicPrefix = "pg" }, "db", TimeProvider.System);
        var source = SourceInfo.Captured("false", DateTimeOffset.UtcNow, 5, 1000, 900);
        foreach (var (op, before, after) in new[] { (ChangeOperation.Create, (string?[]?)null, row), (ChangeOperation.Update, row, row), (ChangeOperation.Delete, row, null) })
        {
            var record = encoder.Encode(table, op, before, after, source);
            events.Add((System.Text.Encoding.UTF8.GetString(record.Key!), System.Text.Encoding.UTF8.GetString(record.Value!)));
        }

        var schemaless = new DebeziumEncoder(new CdcOptions { TopicPrefix = "pg", SchemasEnable = false }, "db", TimeProvider.System);
        var plain = schemaless.Encode(table, ChangeOperation.Create, null, row, source);
        events.Add((System.Text.Encoding.UTF8.GetString(plain.Key!), System.Text.Encoding.UTF8.GetString(plain.Value!)));
        schemaless.Dispose();
        return events;
    }
}
