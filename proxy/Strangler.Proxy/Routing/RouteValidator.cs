using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing.Patterns;
using Strangler.Hosting.Http;

namespace Strangler.Proxy.Routing;

/// <summary>
/// Every rule a route's values must satisfy before it can enter the table, whatever it came from (admin API,
/// configuration, the stored table); errors are keyed by field. Null-safe: configuration binding and hand-edited
/// stores can hold nulls that the admin API's reader would have refused.
/// </summary>
internal static partial class RouteValidator
{
    public const int MaxPathLength = 1_000;
    public const int MaxMethods = 20;
    public const int MaxDestinations = 32;
    public const int MaxUrlLength = 2_000;
    public const int MaxIgnoredFields = 100;
    public const int MaxFieldNameLength = 200;
    public const int MaxHeaderValueLength = 1_000;

    private static readonly HashSet<string> SafeMethods = new(StringComparer.OrdinalIgnoreCase) { "GET", "HEAD", "OPTIONS" };

    public static FieldErrors Validate(RouteDefinition route)
    {
        var errors = new FieldErrors();
        if (route.Id is null || !IdPattern().IsMatch(route.Id))
        {
            errors.Add("id", "id must be 1–100 letters, digits, '-', '_' or '.'.");
        }

        ValidatePath(route.Path, errors);
        ValidateMethods(route.Methods, errors);
        if (route.Header is { } header)
        {
            if (header.Name is null || !HeaderNamePattern().IsMatch(header.Name))
            {
                errors.Add("header.name", "header.name must be an HTTP header name (1–100 letters, digits or !#$%&'*+-.^_`|~).");
            }

            if (header.Value is null || header.Value.Length > MaxHeaderValueLength || header.Value.Any(c => char.IsControl(c) && c != '\t'))
            {
                errors.Add("header.value", $"header.value must be a header value of at most {MaxHeaderValueLength} characters without control characters.");
            }
        }

        ValidateDestinations(route.Destinations, errors);
        if (!Enum.IsDefined(route.Stage))
        {
            errors.Add("stage", $"stage must be one of {StageNames.Allowed}.");
        }

        if (route.Weight is < 0 or > 100)
        {
            errors.Add("weight", $"weight must be between 0 and 100; got {route.Weight}.");
        }

        ValidateShadow(route.Shadow, errors);
        if (route.HealthPath is null || !route.HealthPath.StartsWith('/') || route.HealthPath.Length > MaxPathLength
            || !Uri.TryCreate("http://host" + route.HealthPath, UriKind.Absolute, out _) || route.HealthPath.Any(char.IsControl))
        {
            errors.Add("healthPath", $"healthPath must be a path starting with '/' (at most {MaxPathLength} characters), e.g. /healthz.");
        }

        if (route.TimeoutSeconds is < 1 or > 600)
        {
            errors.Add("timeoutSeconds", $"timeoutSeconds must be between 1 and 600; got {route.TimeoutSeconds}.");
        }

        return errors;
    }

    /// <summary>Parses a route pattern the one way both validation and <see cref="CompiledRoute"/> use.</summary>
    public static RoutePattern ParsePattern(string path) => RoutePatternFactory.Parse(path);

    private static void ValidatePath(string? path, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(path) || !path.StartsWith('/') || path.Length > MaxPathLength || path.Any(char.IsControl))
        {
            errors.Add("path", $"path must be a route pattern starting with '/' (at most {MaxPathLength} characters), e.g. /api/drivers/{{**rest}}.");
            return;
        }

        try
        {
            ParsePattern(path);
        }
        catch (Exception e) when (e is RoutePatternException or ArgumentException or InvalidOperationException)
        {
            errors.Add("path", $"path is not a valid route pattern: {e.Message}");
        }
    }

    private static void ValidateMethods(IReadOnlyList<string>? methods, FieldErrors errors)
    {
        if (methods is null)
        {
            errors.Add("methods", "methods must be a list of HTTP methods (empty matches every method).");
            return;
        }

        if (methods.Count > MaxMethods)
        {
            errors.Add("methods", $"methods lists {methods.Count} methods; at most {MaxMethods}.");
            return;
        }

        foreach (var method in methods)
        {
            if (method is null || !MethodPattern().IsMatch(method))
            {
                errors.Add("methods", $"'{Show(method)}' is not an HTTP method (1–20 letters, e.g. GET).");
            }
        }
    }

    private static void ValidateDestinations(IReadOnlyList<string>? destinations, FieldErrors errors)
    {
        if (destinations is null || destinations.Count == 0)
        {
            errors.Add("destinations", "destinations must list at least one service base URL, e.g. [\"http://127.0.0.1:6001\"].");
            return;
        }

        if (destinations.Count > MaxDestinations)
        {
            errors.Add("destinations", $"destinations lists {destinations.Count} URLs; at most {MaxDestinations}.");
            return;
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var destination in destinations)
        {
            if (destination is null || destination.Length > MaxUrlLength
                || !Uri.TryCreate(destination, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                || uri.Host.Length == 0 || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
            {
                errors.Add("destinations", $"'{Show(destination)}' is not an absolute http(s) URL without credentials, query or fragment (at most {MaxUrlLength} characters).");
            }
            else if (!seen.Add(destination.TrimEnd('/')))
            {
                errors.Add("destinations", $"'{Show(destination)}' is listed more than once.");
            }
        }
    }

    private static void ValidateShadow(ShadowSettings? shadow, FieldErrors errors)
    {
        if (shadow is null)
        {
            errors.Add("shadow", "shadow must be an object with methods and ignoredFields.");
            return;
        }

        if (shadow.Methods is null || shadow.Methods.Count > MaxMethods)
        {
            errors.Add("shadow.methods", $"shadow.methods must be a list of at most {MaxMethods} safe methods (GET, HEAD, OPTIONS).");
        }
        else
        {
            foreach (var method in shadow.Methods)
            {
                if (method is null || !SafeMethods.Contains(method))
                {
                    errors.Add("shadow.methods", $"'{Show(method)}' cannot be shadowed: only safe methods (GET, HEAD, OPTIONS) are mirrored, a copy must have no side effects.");
                }
            }
        }

        if (shadow.IgnoredFields is null || shadow.IgnoredFields.Count > MaxIgnoredFields)
        {
            errors.Add("shadow.ignoredFields", $"shadow.ignoredFields must be a list of at most {MaxIgnoredFields} JSON property names.");
        }
        else if (shadow.IgnoredFields.Any(f => string.IsNullOrEmpty(f) || f.Length > MaxFieldNameLength))
        {
            errors.Add("shadow.ignoredFields", $"Each of shadow.ignoredFields must be a JSON property name of 1–{MaxFieldNameLength} characters.");
        }
    }

    private static string Show(string? value) => value is null ? "null" : value.Length <= 60 ? value : value[..57] + "...";

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}\\z")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z]{1,20}\\z")]
    private static partial Regex MethodPattern();

    [GeneratedRegex("^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}\\z")]
    private static partial Regex HeaderNamePattern();
}
