namespace Strangler.Proxy.Stats;

/// <summary>What the statistics keep; set by the features that record into them (shadowing sets the diff sample).</summary>
internal sealed class ProxyStatsOptions
{
    /// <summary>Mismatches kept per route for /admin/stats (<c>Proxy:Shadow:DiffSampleSize</c>, through the shadowing feature).</summary>
    public int DiffSampleSize { get; set; } = 20;
}
