using System.Text.Json;

namespace Strangler.Proxy.Shadowing;

/// <summary>
/// Compares two JSON documents as values, not text: property order and number formatting (38.7 vs
/// 38.700000) do not matter, ignored property names are skipped at any depth, and differences are
/// reported by JSON path.
/// </summary>
internal static class JsonStructuralComparer
{
    public static List<string> Compare(JsonElement legacy, JsonElement service, IReadOnlySet<string> ignored, int maxDifferences)
    {
        var differences = new List<string>();
        Walk("$", legacy, service, ignored, differences, maxDifferences);
        return differences;
    }

    private static void Walk(string path, JsonElement a, JsonElement b, IReadOnlySet<string> ignored, List<string> diffs, int max)
    {
        if (diffs.Count >= max)
        {
            return;
        }

        if (a.ValueKind != b.ValueKind && !(IsBool(a) && IsBool(b)))
        {
            diffs.Add($"{path}: legacy {Show(a)}, service {Show(b)}");
            return;
        }

        switch (a.ValueKind)
        {
            case JsonValueKind.Object:
                var names = a.EnumerateObject().Select(p => p.Name).Union(b.EnumerateObject().Select(p => p.Name), StringComparer.Ordinal);
                foreach (var name in names)
                {
                    if (ignored.Contains(name))
                    {
                        continue;
                    }

                    var inA = a.TryGetProperty(name, out var va);
                    var inB = b.TryGetProperty(name, out var vb);
                    if (inA != inB)
                    {
                        diffs.Add($"{path}.{name}: {(inA ? "missing from service" : "missing from legacy")}");
                    }
                    else
                    {
                        Walk($"{path}.{name}", va, vb, ignored, diffs, max);
                    }
                }

                break;
            case JsonValueKind.Array:
                var la = a.GetArrayLength();
                var lb = b.GetArrayLength();
                if (la != lb)
                {
                    diffs.Add($"{path}: legacy has {la} items, service {lb}");
                }

                for (var i = 0; i < Math.Min(la, lb); i++)
                {
                    Walk($"{path}[{i}]", a[i], b[i], ignored, diffs, max);
                }

                break;
            case JsonValueKind.Number:
                var same = a.TryGetDecimal(out var da) && b.TryGetDecimal(out var db) ? da == db : a.GetDouble().Equals(b.GetDouble());
                if (!same)
                {
                    diffs.Add($"{path}: legacy {a.GetRawText()}, service {b.GetRawText()}");
                }

                break;
            case JsonValueKind.String:
                if (!string.Equals(a.GetString(), b.GetString(), StringComparison.Ordinal))
                {
                    diffs.Add($"{path}: legacy {Show(a)}, service {Show(b)}");
                }

                break;
            case JsonValueKind.True or JsonValueKind.False:
                if (a.GetBoolean() != b.GetBoolean())
                {
                    diffs.Add($"{path}: legacy {Show(a)}, service {Show(b)}");
                }

                break;
        }
    }

    private static bool IsBool(JsonElement e) => e.ValueKind is JsonValueKind.True or JsonValueKind.False;

    private static string Show(JsonElement e)
    {
        var raw = e.GetRawText();
        return raw.Length <= 80 ? raw : raw[..77] + "...";
    }
}
