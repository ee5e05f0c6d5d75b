namespace Strangler.Proxy.Routing;

/// <summary>The route table as stored and served by GET /admin/routes: a version and the routes.</summary>
public sealed record RouteTableSnapshot(long Version, IReadOnlyList<RouteDefinition> Routes)
{
    /// <summary>A table with no routes (version 0): everything goes to the monolith.</summary>
    public static RouteTableSnapshot Empty { get; } = new(0, []);
}
