namespace Strangler.Proxy.Shadowing;

/// <summary>A request to mirror to the service, with the monolith's answer to compare against.</summary>
internal sealed record ShadowJob(
    string RouteId,
    string Destination,
    string Method,
    string PathAndQuery,
    IReadOnlyList<KeyValuePair<string, string[]>> Headers,
    int LegacyStatus,
    string? LegacyContentType,
    byte[] LegacyBody,
    IReadOnlySet<string> IgnoredFields);
