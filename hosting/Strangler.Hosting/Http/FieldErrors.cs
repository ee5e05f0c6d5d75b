using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Strangler.Hosting.Http;

/// <summary>
/// Every invalid field of one request, keyed by field name ("pickup.latitude", "shadow.methods"), so a
/// single 400 problem+json names all of them. Shared by the monolith, the services and the proxy's admin API.
/// </summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    /// <summary>True when at least one field is invalid.</summary>
    public bool Any => _errors.Count > 0;

    /// <summary>The invalid fields, in the order they were first reported.</summary>
    public IEnumerable<string> Fields => _errors.Keys;

    /// <summary>Records that <paramref name="field"/> is invalid, with a message saying what is allowed.</summary>
    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    /// <summary>True when <paramref name="field"/> already has an error (skip checks that would only repeat it).</summary>
    public bool Has(string field) => _errors.ContainsKey(field);

    /// <summary>The errors as the <c>errors</c> member of a validation problem.</summary>
    public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    /// <summary>
    /// The messages in one line (at most <paramref name="max"/>), for a problem's detail; each starts with its
    /// field's name, so the detail alone says what to fix.
    /// </summary>
    public string Summary(int max = 5)
    {
        var messages = _errors
            .SelectMany(e => e.Value.Select(m => m.StartsWith(e.Key, StringComparison.OrdinalIgnoreCase) ? m : $"{e.Key}: {m}"))
            .ToList();
        var text = string.Join(" ", messages.Take(max));
        return messages.Count > max ? $"{text} (and {messages.Count - max} more)" : text;
    }

    /// <summary>A 400 application/problem+json naming every invalid field.</summary>
    public ValidationProblem ToProblem(string title, string? detail = null) =>
        TypedResults.ValidationProblem(ToDictionary(), detail ?? Summary(), title: title);
}
