namespace Strangler.Proxy.Routing;

/// <summary>The route table as stored and served by GET /admin/routes: a version and the routes.</summary>
public sealed record RouteTableSnapshot(long Version, IReadOnlyList<RouteDefinition> Routes)
{
    public static RouteTableSnapshot Empty { get; } = new(0, []);
}
