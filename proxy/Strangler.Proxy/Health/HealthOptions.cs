namespace Strangler.Proxy.Health;

/// <summary>Service health checking (<c>Proxy:Health</c>).</summary>
public sealed class HealthOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "Proxy:Health";

    /// <summary>Active probe period, milliseconds.</summary>
    public int IntervalMilliseconds { get; set; } = 5_000;

    /// <summary>Active probe timeout, milliseconds.</summary>
    public int TimeoutMilliseconds { get; set; } = 2_000;

    /// <summary>Consecutive proxied failures (5xx or transport) that mark a destination unhealthy until a probe succeeds.</summary>
    public int PassiveFailureThreshold { get; set; } = 5;
}
