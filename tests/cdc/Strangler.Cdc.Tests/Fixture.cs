using System.Text.Json.Nodes;

namespace Strangler.Cdc.Tests;

/// <summary>Reads the real Debezium fixtures and strips what legitimately differs between runs.</summary>
internal static class Fixture
{
    public static string Text(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    public static string[] Lines(string name) => Text(name).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Removes clocks, LSNs, xids, the connector version and the database name from an event, and the
    /// snapshot enum's allowed list (Debezium 2.7 lists fewer values than 3.x, which we follow).
    /// </summary>
    public static JsonNode Normalize(string json)
    {
        var root = JsonNode.Parse(json)!;
        var payload = root["payload"] is { } p && root["schema"] is not null ? p : root;
        foreach (var field in new[] { "ts_ms", "ts_us", "ts_ns" })
        {
            payload.AsObject().Remove(field);
        }

        if (payload["source"] is JsonObject source)
        {
            foreach (var field in new[] { "version", "ts_ms", "ts_us", "ts_ns", "txId", "lsn", "sequence", "db" })
            {
                source.Remove(field);
            }
        }

        if (root["schema"]?["fields"] is JsonArray fields)
        {
            foreach (var field in fields)
            {
                if (field?["field"]?.GetValue<string>() == "source" && field["fields"] is JsonArray sourceFields)
                {
                    foreach (var sf in sourceFields)
                    {
                        (sf?["parameters"] as JsonObject)?.Remove("allowed");
                    }
                }
            }
        }

        return root;
    }
}
