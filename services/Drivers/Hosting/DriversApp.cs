using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using RideShare.Contracts.Http;
using RideShare.Drivers.Api;
using RideShare.Drivers.Store;
using RideShare.Drivers.Sync;
using Serilog;
using Serilog.Extensions.Logging;
using Strangler.Cdc.Sync;
using Strangler.Hosting.Postgres;
using Strangler.Hosting.ServiceDefaults;

namespace RideShare.Drivers.Hosting;

/// <summary>Builds the Drivers service; used by Program (serve, reconcile) and by the tests.</summary>
public static class DriversApp
{
    /// <summary>Connection string names: the service's own store, and the monolith's database it syncs from.</summary>
    public const string StoreConnectionName = "Drivers";

    public const string LegacyConnectionName = "Legacy";

    /// <summary>The legacy tables this service syncs.</summary>
    public static readonly IReadOnlyList<string> SyncedTables = [DriverProjection.Table];

    public static WebApplicationBuilder CreateBuilder(string[] args) =>
        WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

    /// <summary>Opens the store (configured server, else embedded Garnet) named by <paramref name="configuration"/>.</summary>
    public static Task<DriverStoreConnection> OpenStoreAsync(IConfiguration configuration)
    {
        var options = configuration.GetSection(DriverStoreOptions.SectionName).Get<DriverStoreOptions>() ?? new DriverStoreOptions();
        using var loggerFactory = new SerilogLoggerFactory(Log.Logger);
        return DriverStoreConnection.OpenAsync(configuration.GetConnectionString(StoreConnectionName), options, loggerFactory.CreateLogger("RideShare.Drivers.Store"));
    }

    /// <summary>Resolves the monolith's database (configured, else the demo's embedded cluster).</summary>
    public static Task<ResolvedDatabase> ResolveLegacyAsync(IConfiguration configuration, CancellationToken cancellationToken)
    {
        using var loggerFactory = new SerilogLoggerFactory(Log.Logger);
        return ResolvedDatabase.ResolveAsync(configuration, LegacyConnectionName, "rideshare", loggerFactory.CreateLogger("RideShare.Drivers.Legacy"), cancellationToken);
    }

    /// <summary>Builds the app on an open store and the legacy database: defaults, sync, endpoints.</summary>
    public static WebApplication Build(WebApplicationBuilder builder, DriverStoreConnection store, ResolvedDatabase? legacy)
    {
        builder.AddServiceDefaults();
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton<StackExchange.Redis.IConnectionMultiplexer>(store.Redis);
        builder.Services.AddSingleton(_ => store.CreateStore(outbox: legacy is not null));
        builder.Services.AddSingleton(_ => new Api.LegacyReservations(legacy?.ConnectionString)); // created by DI, so disposed with the app
        builder.Services.AddSingleton(TimeProvider.System);
        if (legacy is not null)
        {
            builder.Services.AddResolvedDatabaseLifetime(legacy);
            builder.Services.AddReverseSync<DriverReverseSource>("drivers", legacy);
        }
        builder.Services.AddHealthChecks().AddCheck<DriverStoreReadiness>("drivers-store", tags: [ServiceDefaultsExtensions.ReadyTag]);
        builder.Services.ConfigureHttpJsonOptions(json => ContractJson.Configure(json.SerializerOptions));
        builder.AddChangeSync<DriverSyncTarget>("drivers", SyncedTables, legacy);

        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapDefaultEndpoints();
        app.MapSync();
        app.MapDriversApi();
        app.MapReservationsApi();
        return app;
    }

    /// <summary>Opens the store, resolves legacy, builds and starts the app; for tests and tools.</summary>
    public static async Task<WebApplication> StartAsync(string[] args, CancellationToken cancellationToken)
    {
        var builder = CreateBuilder(args);
        var store = await OpenStoreAsync(builder.Configuration);
        var legacy = SyncEndpoints.SyncEnabled(builder.Configuration) ? await ResolveLegacyAsync(builder.Configuration, cancellationToken) : null;
        var app = Build(builder, store, legacy);
        app.Lifetime.ApplicationStopped.Register(() => store.DisposeAsync().AsTask().GetAwaiter().GetResult());
        await app.StartAsync(cancellationToken);
        return app;
    }

    private sealed class DriverStoreReadiness(DriverStoreConnection store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await store.Redis.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("drivers store unreachable", e);
            }
        }
    }
}
