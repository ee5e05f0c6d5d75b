using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Persistence;

/// <summary>Registers the route store chosen by <c>Proxy:Store</c>: a file, or PostgreSQL shared by replicas.</summary>
public static class RouteStoreRegistration
{
    /// <summary>
    /// Binds and validates <see cref="RouteStoreOptions"/>; with <see cref="RouteStoreKind.Postgres"/> the
    /// <see cref="NpgsqlDataSource"/> is a container singleton (disposed with it) shared by the store and the
    /// replica holds.
    /// </summary>
    public static IServiceCollection AddRouteStore(this IServiceCollection services)
    {
        services.AddOptions<RouteStoreOptions>()
            .BindConfiguration(RouteStoreOptions.SectionName)
            .Validate(o => o.Kind != RouteStoreKind.Postgres || o.ConnectionString.Length > 0, "Proxy:Store:ConnectionString is required with Proxy:Store:Kind=Postgres.")
            .Validate(o => o.Kind != RouteStoreKind.File || o.FilePath.Length > 0, "Proxy:Store:FilePath is required with Proxy:Store:Kind=File.")
            .Validate(o => o.PollMilliseconds >= 1, "Proxy:Store:PollMilliseconds must be at least 1.")
            .ValidateOnStart();
        services.AddSingleton(sp => NpgsqlDataSource.Create(sp.GetRequiredService<IOptions<RouteStoreOptions>>().Value.ConnectionString));
        services.AddSingleton<IRouteStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<RouteStoreOptions>>().Value;
            return options.Kind == RouteStoreKind.Postgres
                ? new PostgresRouteStore(sp.GetRequiredService<NpgsqlDataSource>(), options.PollMilliseconds, sp.GetRequiredService<ILogger<PostgresRouteStore>>())
                : new FileRouteStore(options.FilePath, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<FileRouteStore>>());
        });
        return services;
    }
}
