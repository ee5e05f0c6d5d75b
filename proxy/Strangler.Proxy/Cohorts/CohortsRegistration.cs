using Microsoft.Extensions.DependencyInjection;

namespace Strangler.Proxy.Cohorts;

/// <summary>Registers how a request's user (its cohort key) is found.</summary>
public static class CohortsRegistration
{
    /// <summary>Binds and validates <see cref="CohortOptions"/> (<c>Proxy:Cohorts</c>); adds <see cref="CohortKeys"/>.</summary>
    public static IServiceCollection AddCohorts(this IServiceCollection services)
    {
        services.AddOptions<CohortOptions>()
            .BindConfiguration(CohortOptions.SectionName)
            .Validate(o => IsToken(o.UserHeader), "Proxy:Cohorts:UserHeader must be an HTTP header name.")
            .Validate(o => IsToken(o.CookieName), "Proxy:Cohorts:CookieName must be a cookie name (letters, digits, '-', '_', '.').")
            .Validate(o => o.ForceHeader.Length == 0 || IsToken(o.ForceHeader), "Proxy:Cohorts:ForceHeader must be an HTTP header name, or empty to turn it off.")
            .ValidateOnStart();
        services.AddSingleton<CohortKeys>();
        return services;
    }

    private static bool IsToken(string name) =>
        name.Length is > 0 and <= 128 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
