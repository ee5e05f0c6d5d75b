namespace Strangler.Proxy.Routing;

/// <summary>A route table that cannot be served: <see cref="RouteId"/> breaks a rule or does not compile.</summary>
public sealed class RouteCompilationException(string? routeId, string reason, Exception? inner = null)
    : Exception($"route '{routeId ?? "(no id)"}' cannot be used: {reason}", inner)
{
    public string? RouteId { get; } = routeId;

    public string Reason { get; } = reason;
}
