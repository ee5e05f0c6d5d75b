namespace Strangler.Proxy.Routing;

/// <summary>
/// One strangled route as configured and stored: what it matches, where its service lives, and its stage.
/// This is the admin API's and the route table file's JSON shape.
/// </summary>
public sealed record RouteDefinition
{
    /// <summary>Unique id (letters, digits, '-', '_', '.').</summary>
    public string Id { get; init; } = "";

    /// <summary>ASP.NET Core route pattern, e.g. <c>/api/drivers/{**rest}</c>.</summary>
    public string Path { get; init; } = "";

    /// <summary>HTTP methods matched; empty matches any.</summary>
    public IReadOnlyList<string> Methods { get; init; } = [];

    /// <summary>Optional header condition.</summary>
    public HeaderMatch? Header { get; init; }

    /// <summary>Base URLs of the extracted service's instances (http or https).</summary>
    public IReadOnlyList<string> Destinations { get; init; } = [];

    /// <summary>Where reads go: legacy, shadow, canary or service.</summary>
    public Stage Stage { get; init; } = Stage.Legacy;

    /// <summary>Who takes the route's writes; changed only by the handoff (<see cref="WriteOwner"/>).</summary>
    public WriteOwner Owner { get; init; } = WriteOwner.Legacy;

    /// <summary>
    /// While <see cref="Owner"/> is service: the handoff's fence (legacy's WAL position, as a number), told to the
    /// service with the owner so its sync flags legacy writes committed after it. Set only by the handoff; a value in a
    /// PUT body is ignored.
    /// </summary>
    public ulong? OwnerFence { get; init; }

    /// <summary>Canary share of user cohorts, 0–100 (only meaningful at <see cref="Stage.Canary"/>).</summary>
    public int Weight { get; init; }

    /// <summary>Evaluation order; lower first, then by id.</summary>
    public int Order { get; init; }

    /// <summary>Which requests are copied to the service at the shadow stage, and which fields the comparison ignores.</summary>
    public ShadowSettings Shadow { get; init; } = new();

    /// <summary>While the service is unhealthy, send safe requests to the monolith (else 503).</summary>
    public bool FallbackToLegacyWhenUnhealthy { get; init; } = true;

    /// <summary>Service health endpoint probed by the active health check.</summary>
    public string HealthPath { get; init; } = "/healthz";

    /// <summary>Per-request timeout towards either backend, seconds.</summary>
    public int TimeoutSeconds { get; init; } = 30;
}
