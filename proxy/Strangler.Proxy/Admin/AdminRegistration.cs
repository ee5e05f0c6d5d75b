using Microsoft.Extensions.DependencyInjection;

namespace Strangler.Proxy.Admin;

/// <summary>Registers the admin API's settings: its listener and bearer token.</summary>
public static class AdminRegistration
{
    /// <summary>Binds <see cref="AdminOptions"/> (<c>Proxy:Admin</c>), reads the token file, and requires a token of 16+ characters.</summary>
    public static IServiceCollection AddAdminApi(this IServiceCollection services)
    {
        services.AddOptions<AdminOptions>()
            .BindConfiguration(AdminOptions.SectionName)
            .PostConfigure(o => o.LoadTokenFile())
            .Validate(o => o.Token.Length >= 16,
                "Proxy:Admin:Token is required, at least 16 characters: set the Proxy__Admin__Token environment variable, or Proxy:Admin:TokenFile to a file holding it.")
            .ValidateOnStart();
        return services;
    }
}
