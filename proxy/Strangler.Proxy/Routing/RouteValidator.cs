using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Strangler.Proxy.Routing;

/// <summary>Every rule a route must satisfy before it can enter the table; errors are keyed by field.</summary>
internal static partial class RouteValidator
{
    private static readonly HashSet<string> SafeMethods = new(StringComparer.OrdinalIgnoreCase) { "GET", "HEAD", "OPTIONS" };

    public static Dictionary<string, string[]> Validate(RouteDefinition route)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        if (!IdPattern().IsMatch(route.Id))
        {
            Add("id", "id must be 1–100 letters, digits, '-', '_' or '.'.");
        }

        if (string.IsNullOrWhiteSpace(route.Path) || !route.Path.StartsWith('/'))
        {
            Add("path", "path must be a route pattern starting with '/', e.g. /api/drivers/{**rest}.");
        }
        else
        {
            try
            {
                RoutePatternFactory.Parse(route.Path);
            }
            catch (RoutePatternException e)
            {
                Add("path", $"path is not a valid route pattern: {e.Message}");
            }
        }

        foreach (var method in route.Methods)
        {
            if (string.IsNullOrEmpty(method) || !method.All(char.IsAsciiLetter))
            {
                Add("methods", $"'{method}' is not an HTTP method.");
            }
        }

        if (route.Header is { } header && (string.IsNullOrWhiteSpace(header.Name) || header.Value is null))
        {
            Add("header", "header needs a name and a value.");
        }

        if (route.Destinations.Count == 0)
        {
            Add("destinations", "At least one service destination URL is required.");
        }

        foreach (var destination in route.Destinations)
        {
            if (!Uri.TryCreate(destination, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
            {
                Add("destinations", $"'{destination}' is not an absolute http(s) URL without query or fragment.");
            }
        }

        if (!Enum.IsDefined(route.Stage))
        {
            Add("stage", "stage must be one of: legacy, shadow, canary, service.");
        }

        if (route.Weight is < 0 or > 100)
        {
            Add("weight", "weight must be between 0 and 100.");
        }

        foreach (var method in route.Shadow.Methods)
        {
            if (!SafeMethods.Contains(method))
            {
                Add("shadow.methods", $"'{method}' cannot be shadowed: only safe methods (GET, HEAD, OPTIONS) are mirrored, a copy must have no side effects.");
            }
        }

        if (!route.HealthPath.StartsWith('/'))
        {
            Add("healthPath", "healthPath must start with '/'.");
        }

        if (route.TimeoutSeconds is < 1 or > 600)
        {
            Add("timeoutSeconds", "timeoutSeconds must be between 1 and 600.");
        }

        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex IdPattern();
}
