using Microsoft.Extensions.DependencyInjection;

namespace Strangler.Proxy.Stats;

/// <summary>Registers the proxy's statistics: lock-free counters on the request path, reports at read time.</summary>
public static class StatsRegistration
{
    /// <summary>Adds the Prometheus registry, the per-route counters and the /admin/stats and /metrics report.</summary>
    public static IServiceCollection AddProxyStats(this IServiceCollection services)
    {
        services.AddSingleton<ProxyMetrics>();
        services.AddSingleton<ProxyStats>();
        services.AddSingleton<StatsReport>();
        return services;
    }
}
