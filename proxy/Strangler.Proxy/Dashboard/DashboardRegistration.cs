using Microsoft.Extensions.DependencyInjection;

namespace Strangler.Proxy.Dashboard;

/// <summary>Registers the live dashboard: its sampler and the playbook-run reader.</summary>
public static class DashboardRegistration
{
    /// <summary>Binds and validates <see cref="DashboardOptions"/> (<c>Proxy:Dashboard</c>); adds the sampler (idle until a dashboard asks).</summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        services.AddOptions<DashboardOptions>()
            .BindConfiguration(DashboardOptions.SectionName)
            .Validate(o => o.HistorySeconds is >= 10 and <= 3600, "Proxy:Dashboard:HistorySeconds must be between 10 and 3600.")
            .Validate(o => o.IdleSeconds >= 1, "Proxy:Dashboard:IdleSeconds must be at least 1.")
            .Validate(o => o.SyncStatusTimeoutMilliseconds >= 1, "Proxy:Dashboard:SyncStatusTimeoutMilliseconds must be at least 1.")
            .ValidateOnStart();
        services.AddSingleton<DashboardSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<DashboardSampler>());
        services.AddSingleton<PlaybookRuns>();
        return services;
    }
}
