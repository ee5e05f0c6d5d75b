using Microsoft.Extensions.DependencyInjection;

namespace Strangler.Proxy.Shadowing;

/// <summary>Registers shadow traffic: the bounded queue and the background dispatcher that compares answers.</summary>
public static class ShadowingRegistration
{
    /// <summary>Binds and validates <see cref="ShadowOptions"/> (<c>Proxy:Shadow</c>); adds the <see cref="ShadowDispatcher"/>.</summary>
    public static IServiceCollection AddShadowing(this IServiceCollection services)
    {
        services.AddOptions<ShadowOptions>()
            .BindConfiguration(ShadowOptions.SectionName)
            .Validate(o => o.MaxConcurrency >= 1, "Proxy:Shadow:MaxConcurrency must be at least 1.")
            .Validate(o => o.QueueCapacity >= 1, "Proxy:Shadow:QueueCapacity must be at least 1.")
            .Validate(o => o.MaxBodyBytes >= 1, "Proxy:Shadow:MaxBodyBytes must be at least 1.")
            .Validate(o => o.TimeoutMilliseconds >= 1, "Proxy:Shadow:TimeoutMilliseconds must be at least 1.")
            .Validate(o => o.DiffSampleSize >= 0, "Proxy:Shadow:DiffSampleSize must not be negative.")
            .ValidateOnStart();
        services.AddOptions<Stats.ProxyStatsOptions>()
            .Configure<Microsoft.Extensions.Options.IOptions<ShadowOptions>>((stats, shadow) => stats.DiffSampleSize = shadow.Value.DiffSampleSize);
        services.AddSingleton<ShadowDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<ShadowDispatcher>());
        return services;
    }
}
