using Microsoft.Extensions.DependencyInjection;

namespace Strangler.Hosting.Postgres;

/// <summary>DI registration of a <see cref="ResolvedDatabase"/>.</summary>
public static class ResolvedDatabaseServiceCollectionExtensions
{
    /// <summary>
    /// Makes <paramref name="database"/> available to the app and hands its lifetime to the host: an
    /// embedded server started for this app stops when the host has stopped.
    /// </summary>
    public static IServiceCollection AddResolvedDatabase(this IServiceCollection services, ResolvedDatabase database)
    {
        services.AddSingleton(database);
        return services.AddResolvedDatabaseLifetime(database);
    }

    /// <summary>
    /// Hands only the lifetime of <paramref name="database"/> to the host (an app with several databases registers
    /// its own handles to them): an embedded server started for this app stops when the host has stopped.
    /// </summary>
    public static IServiceCollection AddResolvedDatabaseLifetime(this IServiceCollection services, ResolvedDatabase database)
    {
        services.AddHostedService(_ => new ResolvedDatabaseLifetime(database));
        return services;
    }
}
