namespace Strangler.Proxy.Routing;

/// <summary>A route table that cannot be served: <see cref="RouteId"/> breaks a rule or does not compile.</summary>
public sealed class RouteCompilationException(string? routeId, string reason, Exception? inner = null)
    : Exception($"route '{routeId ?? "(no id)"}' cannot be used: {reason}", inner)
{
    /// <summary>The route that cannot be used (null when the table itself is broken).</summary>
    public string? RouteId { get; } = routeId;

    /// <summary>Why.</summary>
    public string Reason { get; } = reason;
}
