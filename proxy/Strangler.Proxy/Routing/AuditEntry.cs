using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Routing;

/// <summary>One route-table change: when, what, by whom, the route before and after, and why.</summary>
public sealed record AuditEntry(
    DateTimeOffset At,
    long Version,
    string RouteId,
    string Action,
    string Actor,
    RouteDefinition? Previous,
    RouteDefinition? Current,
    string? Reason);
