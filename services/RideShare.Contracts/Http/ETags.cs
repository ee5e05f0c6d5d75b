using Microsoft.Net.Http.Headers;

namespace RideShare.Contracts.Http;

/// <summary>Entity versions as strong ETags ("3") and the If-Match checks built on them.</summary>
public static class ETags
{
    public static string Format(int version) => $"\"{version}\"";

    public static void Set(HttpResponse response, int version) => response.Headers.ETag = Format(version);

    /// <summary>True when If-Match is absent, '*', or names <paramref name="version"/>.</summary>
    public static bool Matches(HttpRequest request, int version) => !HasIfMatch(request) || IfMatchAllows(request, version);

    public static bool HasIfMatch(HttpRequest request) => request.Headers.IfMatch.Count > 0;

    private static bool IfMatchAllows(HttpRequest request, int version)
    {
        if (!EntityTagHeaderValue.TryParseList(request.Headers.IfMatch, out var tags))
        {
            return false;
        }

        var current = new EntityTagHeaderValue(Format(version));
        return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(current, useStrongComparison: false));
    }
}
