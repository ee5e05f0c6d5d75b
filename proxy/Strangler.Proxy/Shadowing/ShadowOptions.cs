namespace Strangler.Proxy.Shadowing;

/// <summary>Shadow traffic limits (<c>Proxy:Shadow</c>).</summary>
public sealed class ShadowOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "Proxy:Shadow";

    /// <summary>Shadow copies in flight at once.</summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Copies waiting to be sent; beyond this they are dropped (and counted), never awaited.</summary>
    public int QueueCapacity { get; set; } = 1_000;

    /// <summary>Largest response body captured per side; a larger response is not compared (counted as skipped).</summary>
    public int MaxBodyBytes { get; set; } = 1_048_576;

    /// <summary>Timeout of a shadow copy, milliseconds.</summary>
    public int TimeoutMilliseconds { get; set; } = 10_000;

    /// <summary>Mismatches kept per route for /admin/stats.</summary>
    public int DiffSampleSize { get; set; } = 20;
}
