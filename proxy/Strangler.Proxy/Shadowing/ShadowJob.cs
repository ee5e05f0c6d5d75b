using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Shadowing;

/// <summary>
/// A request to mirror to the service, with the monolith's answer to compare against. It belongs to the
/// compiled route that produced it: once that route is retired (a stage change, a rollback) the copy is
/// discarded, queued or in flight.
/// </summary>
internal sealed record ShadowJob(
    CompiledRoute Route,
    string Destination,
    string Method,
    string PathAndQuery,
    IReadOnlyList<KeyValuePair<string, string[]>> Headers,
    int LegacyStatus,
    string? LegacyContentType,
    byte[] LegacyBody)
{
    public string RouteId => Route.Id;
}
