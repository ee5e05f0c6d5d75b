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
        services.AddHostedService(_ => new ResolvedDatabaseLifetime(database));
        return services;
    }
}
