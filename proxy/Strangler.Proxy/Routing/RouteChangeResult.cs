
namespace Strangler.Proxy.Routing;

/// <summary>The outcome of a route change: the new table, or why nothing changed.</summary>
internal sealed record RouteChangeResult(RouteTableSnapshot? Table, RouteChangeFailure Failure, string? Detail, Dictionary<string, string[]>? Errors = null)
{
    public static RouteChangeResult Ok(RouteTableSnapshot table) => new(table, RouteChangeFailure.None, null);

    public static RouteChangeResult Invalid(string detail, Dictionary<string, string[]>? errors = null) => new(null, RouteChangeFailure.Invalid, detail, errors);

    public static RouteChangeResult NotFound(string id) => new(null, RouteChangeFailure.NotFound, $"Route '{id}' does not exist.");

    public static RouteChangeResult Conflict(string detail) => new(null, RouteChangeFailure.Conflict, detail);

    public static RouteChangeResult Unavailable(string detail) => new(null, RouteChangeFailure.Unavailable, detail);
}

internal enum RouteChangeFailure
{
    None,
    Invalid,
    NotFound,
    Conflict,
    Unavailable,
}
