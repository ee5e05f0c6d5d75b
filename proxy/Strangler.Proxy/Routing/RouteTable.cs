namespace Strangler.Proxy.Routing;

/// <summary>
/// An immutable, compiled route table. The request path reads the current one once per request, so a
/// change never affects a request already under way.
/// </summary>
internal sealed class RouteTable
{
    private readonly CompiledRoute[] _routes;

    public RouteTable(RouteTableSnapshot snapshot)
    {
        Snapshot = snapshot;
        _routes = snapshot.Routes
            .OrderBy(r => r.Order)
            .ThenBy(r => r.Id, StringComparer.Ordinal)
            .Select(r => new CompiledRoute(r))
            .ToArray();
    }

    public RouteTableSnapshot Snapshot { get; }

    public long Version => Snapshot.Version;

    public IReadOnlyList<CompiledRoute> Routes => _routes;

    /// <summary>The first route (by order, then id) matching the request, or null: the monolith's traffic.</summary>
    public CompiledRoute? Match(HttpRequest request)
    {
        foreach (var route in _routes)
        {
            if (route.Matches(request))
            {
                return route;
            }
        }

        return null;
    }

    public CompiledRoute? Find(string id) => Array.Find(_routes, r => r.Id == id);
}
