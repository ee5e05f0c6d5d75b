using Microsoft.Extensions.DependencyInjection;

namespace Strangler.Proxy.Health;

/// <summary>Registers service-destination health: passive (proxied requests) and active (probes).</summary>
public static class HealthRegistration
{
    /// <summary>Binds and validates <see cref="HealthOptions"/> (<c>Proxy:Health</c>); adds <see cref="ServiceHealth"/> and the prober.</summary>
    public static IServiceCollection AddServiceHealth(this IServiceCollection services)
    {
        services.AddOptions<HealthOptions>()
            .BindConfiguration(HealthOptions.SectionName)
            .Validate(o => o.IntervalMilliseconds >= 1, "Proxy:Health:IntervalMilliseconds must be at least 1.")
            .Validate(o => o.TimeoutMilliseconds >= 1, "Proxy:Health:TimeoutMilliseconds must be at least 1.")
            .Validate(o => o.PassiveFailureThreshold >= 1, "Proxy:Health:PassiveFailureThreshold must be at least 1.")
            .ValidateOnStart();
        services.AddSingleton<ServiceHealth>();
        services.AddHostedService<ActiveHealthProber>();
        return services;
    }
}
