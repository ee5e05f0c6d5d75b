using System.Text.Json;
using Strangler.Hosting.Http;

namespace Strangler.Proxy.Admin;

/// <summary>
/// Typed, field-by-field access to one JSON object of an admin body. Each wrong value — null where a value
/// is needed, a wrong JSON type, a fraction where a whole number is needed, an unknown or repeated field —
/// is recorded under its field name with what is allowed, and reading goes on so one 400 names them all.
/// Property names match case-insensitively, as the rest of the API's JSON does.
/// </summary>
internal sealed class JsonFields
{
    private readonly Dictionary<string, JsonElement> _properties = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _read = new(StringComparer.OrdinalIgnoreCase);
    private readonly FieldErrors _errors;
    private readonly string _prefix;

    public JsonFields(JsonElement json, FieldErrors errors, string prefix = "")
    {
        _errors = errors;
        _prefix = prefix;
        foreach (var property in json.EnumerateObject())
        {
            if (!_properties.TryAdd(property.Name, property.Value))
            {
                errors.Add(Name(property.Name), $"{Name(property.Name)} is given more than once.");
            }
        }
    }

    /// <summary>True when the body names <paramref name="field"/> (with any value, null included).</summary>
    public bool Has(string field) => _properties.ContainsKey(field);

    /// <summary>
    /// The string value; null when absent or invalid (an error is recorded for a present, non-string value).
    /// <paramref name="nullMeansAbsent"/>: JSON null is accepted as "not given" (optional request fields).
    /// </summary>
    public string? String(string field, string what, bool nullMeansAbsent = false) =>
        (!nullMeansAbsent || !IsNull(field)) && Read(field, what, JsonValueKind.String) is { } value ? value.GetString() : null;

    /// <summary>The whole-number value in int range; null when absent or invalid (or JSON null, with <paramref name="nullMeansAbsent"/>).</summary>
    public int? Int(string field, string what, bool nullMeansAbsent = false)
    {
        if ((nullMeansAbsent && IsNull(field)) || Read(field, what, JsonValueKind.Number) is not { } value)
        {
            return null;
        }

        if (value.TryGetInt32(out var number))
        {
            return number;
        }

        _errors.Add(Name(field), $"{Name(field)} must be {what}, a whole number; got {Show(value)}.");
        return null;
    }

    /// <summary>The boolean value; null when absent or invalid.</summary>
    public bool? Bool(string field, string what)
    {
        if (!TryGetPresent(field, what, out var value))
        {
            return null;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        _errors.Add(Name(field), $"{Name(field)} must be {what} (true or false), not {Describe(value)}.");
        return null;
    }

    /// <summary>An array of strings; null when absent or invalid (each bad item is reported as field[i]).</summary>
    public IReadOnlyList<string>? Strings(string field, string what)
    {
        if (Read(field, what, JsonValueKind.Array) is not { } array)
        {
            return null;
        }

        var items = new List<string>(array.GetArrayLength());
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                items.Add(item.GetString()!);
            }
            else
            {
                _errors.Add(Name(field), $"{Name(field)}[{index}] must be a string, not {Describe(item)}.");
            }

            index++;
        }

        return items.Count == array.GetArrayLength() ? items : null;
    }

    /// <summary>
    /// A nested object's fields; null when absent, invalid, or JSON null where <paramref name="nullMeansNone"/>
    /// (the field is optional and null turns it off).
    /// </summary>
    public JsonFields? Object(string field, string what, bool nullMeansNone = false)
    {
        if (nullMeansNone && IsNull(field))
        {
            return null;
        }

        return Read(field, what, JsonValueKind.Object) is { } value ? new JsonFields(value, _errors, Name(field) + ".") : null;
    }

    /// <summary>Accepts <paramref name="field"/> with any value, unread: a server-set field of a resource sent back as read.</summary>
    public void Ignore(string field) => _read.Add(field);

    /// <summary>Reports every field of the object that none of the accessors asked for: a typo must not pass silently.</summary>
    public void RejectUnknown(string thing, IEnumerable<string> known)
    {
        foreach (var name in _properties.Keys.Where(n => !_read.Contains(n)))
        {
            _errors.Add(Name(name), $"{Name(name)} is not a field of {thing}; the fields are: {string.Join(", ", known)}.");
        }
    }

    private bool IsNull(string field)
    {
        if (_properties.TryGetValue(field, out var value) && value.ValueKind == JsonValueKind.Null)
        {
            _read.Add(field);
            return true;
        }

        return false;
    }

    private JsonElement? Read(string field, string what, JsonValueKind kind)
    {
        if (!TryGetPresent(field, what, out var value))
        {
            return null;
        }

        if (value.ValueKind == kind)
        {
            return value;
        }

        _errors.Add(Name(field), $"{Name(field)} must be {what}, not {Describe(value)}.");
        return null;
    }

    private bool TryGetPresent(string field, string what, out JsonElement value)
    {
        _read.Add(field);
        if (!_properties.TryGetValue(field, out value))
        {
            return false;
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            _errors.Add(Name(field), $"{Name(field)} must be {what}, not null (leave the field out to keep its default).");
            return false;
        }

        return true;
    }

    private string Name(string field) => _prefix + field;

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.String => $"a string ({Show(value)})",
        JsonValueKind.Number => $"a number ({Show(value)})",
        JsonValueKind.True or JsonValueKind.False => $"a boolean ({Show(value)})",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => value.ValueKind.ToString(),
    };

    private static string Show(JsonElement value)
    {
        var raw = value.GetRawText();
        return raw.Length <= 40 ? raw : raw[..37] + "...";
    }
}
