namespace Strangler.Proxy.Routing;

/// <summary>
/// An immutable, compiled route table. The request path reads the current one once per request, so a
/// change never affects a request already under way.
/// </summary>
internal sealed class RouteTable
{
    private readonly CompiledRoute[] _routes;

    /// <summary>
    /// Compiles <paramref name="snapshot"/>, reusing <paramref name="previous"/>'s compiled routes that are
    /// unchanged. Throws <see cref="RouteCompilationException"/> naming the first route that cannot be used.
    /// </summary>
    public RouteTable(RouteTableSnapshot snapshot, RouteTable? previous = null)
    {
        Snapshot = snapshot;
        if (snapshot.Routes is null || snapshot.Routes.Any(r => r is null))
        {
            throw new RouteCompilationException(null, "the table's routes are missing or one of them is null");
        }

        var reusable = previous?._routes.ToDictionary(r => r.Id, StringComparer.Ordinal) ?? [];
        _routes = snapshot.Routes
            .OrderBy(r => r.Order)
            .ThenBy(r => r.Id, StringComparer.Ordinal)
            .Select(r => Compile(r, reusable))
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

    /// <summary>Retires the routes of <paramref name="replaced"/> that this table does not carry over.</summary>
    public void RetireRoutesOf(RouteTable replaced)
    {
        foreach (var route in replaced._routes)
        {
            if (!_routes.Contains(route))
            {
                route.Retire();
            }
        }
    }

    private static CompiledRoute Compile(RouteDefinition definition, Dictionary<string, CompiledRoute> reusable)
    {
        try
        {
            var errors = RouteValidator.Validate(definition);
            if (errors.Any)
            {
                throw new ArgumentException(errors.Summary());
            }

            var compiled = new CompiledRoute(definition);
            return reusable.TryGetValue(definition.Id, out var old) && old.Canonical == compiled.Canonical ? old : compiled;
        }
        catch (Exception e) when (e is not RouteCompilationException)
        {
            throw new RouteCompilationException(definition.Id, e.Message, e);
        }
    }
}
