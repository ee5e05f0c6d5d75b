using Microsoft.Extensions.DependencyInjection;

namespace Strangler.Proxy.Safety;

/// <summary>Registers the canary guard, which rolls a canary back when its error rate or health says so.</summary>
public static class SafetyRegistration
{
    /// <summary>Binds and validates <see cref="CanaryOptions"/> (<c>Proxy:Canary</c>); adds the <see cref="CanaryGuard"/>.</summary>
    public static IServiceCollection AddCanaryGuard(this IServiceCollection services)
    {
        services.AddOptions<CanaryOptions>()
            .BindConfiguration(CanaryOptions.SectionName)
            .Validate(o => o.ErrorRateThreshold is >= 0 and <= 1, "Proxy:Canary:ErrorRateThreshold must be between 0 and 1.")
            .Validate(o => o.MinRequests >= 1, "Proxy:Canary:MinRequests must be at least 1.")
            .Validate(o => o.WindowSeconds >= 1, "Proxy:Canary:WindowSeconds must be at least 1.")
            .ValidateOnStart();
        services.AddSingleton<CanaryGuard>();
        return services;
    }
}
