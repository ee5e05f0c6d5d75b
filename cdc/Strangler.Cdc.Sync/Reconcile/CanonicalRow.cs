using System.IO.Hashing;
using System.Text;
using System.Text.Json;

namespace Strangler.Cdc.Sync.Reconcile;

/// <summary>
/// A row in a form both engines agree on, so rows from PostgreSQL and from a service's store compare field by
/// field: the resource as the HTTP contract shows it (the service's own response mapping, applied to both sides),
/// flattened to <c>field → JSON text</c> (<c>vehicle.make</c> for nested values). <see cref="Hash"/> is an XxHash64
/// of the sorted fields, for range checksums.
/// </summary>
public sealed class CanonicalRow
{
    private CanonicalRow(long key, SortedDictionary<string, string> fields)
    {
        Key = key;
        Fields = fields;
        var text = new StringBuilder();
        foreach (var (name, value) in fields)
        {
            text.Append(name).Append('=').Append(value).Append('\n');
        }

        Hash = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>The row's primary key.</summary>
    public long Key { get; }

    /// <summary>Column name → value in canonical text form, as compared.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; }

    /// <summary>A hash of the canonical fields: equal rows hash equally on both sides.</summary>
    public ulong Hash { get; }

    /// <summary>The canonical form of <paramref name="value"/> (a contract response) serialised with <paramref name="options"/>.</summary>
    public static CanonicalRow From<T>(long key, T value, JsonSerializerOptions options)
    {
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Flatten(JsonSerializer.SerializeToElement(value, options), "", fields);
        return new CanonicalRow(key, fields);
    }

    /// <summary>A row one side holds but cannot read into the resource (the reason is its only field, so it differs).</summary>
    public static CanonicalRow Unreadable(long key, string reason) =>
        new(key, new SortedDictionary<string, string>(StringComparer.Ordinal) { ["(unreadable)"] = reason });

    /// <summary>The fields whose values differ (or exist on one side only).</summary>
    public IReadOnlyList<string> DifferingFields(CanonicalRow other) =>
        Fields.Keys.Union(other.Fields.Keys).Order(StringComparer.Ordinal)
            .Where(f => Fields.GetValueOrDefault(f) != other.Fields.GetValueOrDefault(f)).ToList();

    private static void Flatten(JsonElement element, string prefix, SortedDictionary<string, string> fields)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                Flatten(property.Value, prefix.Length == 0 ? property.Name : $"{prefix}.{property.Name}", fields);
            }

            if (prefix.Length > 0 && !element.EnumerateObject().Any())
            {
                fields[prefix] = "{}";
            }

            return;
        }

        fields[prefix] = element.GetRawText();
    }
}
