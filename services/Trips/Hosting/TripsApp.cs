using Microsoft.EntityFrameworkCore;
using Npgsql;
using RideShare.Contracts.Http;
using RideShare.Contracts.Pricing;
using RideShare.Trips.Api;
using RideShare.Contracts.Client;
using RideShare.Trips.Gateway;
using RideShare.Trips.Migrations;
using RideShare.Trips.Store;
using RideShare.Trips.Sync;
using Serilog;
using Serilog.Extensions.Logging;
using Strangler.Cdc.Sync;
using Strangler.Hosting.Postgres;
using Strangler.Hosting.ServiceDefaults;

namespace RideShare.Trips.Hosting;

/// <summary>Builds the Trips service; used by Program (serve, reconcile) and by the tests.</summary>
public static class TripsApp
{
    public const string StoreConnectionName = "Trips";
    public const string LegacyConnectionName = "Legacy";
    public const string EmbeddedDatabaseName = "trips";

    public static readonly IReadOnlyList<string> SyncedTables = [TripProjection.Table];

    public static WebApplicationBuilder CreateBuilder(string[] args) =>
        WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

    /// <summary>Resolves the service's own database (configured, else <c>trips</c> on the embedded cluster) and migrates it.</summary>
    public static async Task<ResolvedDatabase> ResolveStoreAsync(IConfiguration configuration, CancellationToken cancellationToken)
    {
        var own = await Resolve(configuration, StoreConnectionName, EmbeddedDatabaseName, "RideShare.Trips.Store", cancellationToken);
        try
        {
            TripsSchema.Migrate(own.ConnectionString);
            return own;
        }
        catch
        {
            await own.DisposeAsync();
            throw;
        }
    }

    /// <summary>Resolves the monolith's database (configured, else the demo's embedded cluster).</summary>
    public static Task<ResolvedDatabase> ResolveLegacyAsync(IConfiguration configuration, CancellationToken cancellationToken) =>
        Resolve(configuration, LegacyConnectionName, "rideshare", "RideShare.Trips.Legacy", cancellationToken);

    public static DbContextOptions<TripsDbContext> DbOptions(string connectionString) =>
        new DbContextOptionsBuilder<TripsDbContext>().UseNpgsql(connectionString).Options;

    public static WebApplication Build(WebApplicationBuilder builder, ResolvedDatabase own, ResolvedDatabase? legacy)
    {
        builder.AddServiceDefaults();
        builder.Services.AddSingleton(TimeProvider.System);
        var dbOptions = DbOptions(own.ConnectionString);
        builder.Services.AddScoped(_ => new TripsDbContext(dbOptions) { WritesOutbox = legacy is not null });
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(own.ConnectionString));
        builder.Services.AddSingleton<TripSyncStore>();
        builder.Services.AddHealthChecks().AddPostgresReadiness();
        builder.Services.AddResolvedDatabaseLifetime(own);
        if (legacy is not null)
        {
            builder.Services.AddResolvedDatabaseLifetime(legacy);
            builder.Services.AddSingleton(dbOptions);
            builder.Services.AddReverseSync<TripReverseSource>("trips", legacy);
        }

        builder.Services.AddOptions<PricingOptions>().Bind(builder.Configuration.GetSection(PricingOptions.SectionName));
        builder.Services.AddOptions<GatewayOptions>().Bind(builder.Configuration.GetSection(GatewayOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => Uri.TryCreate(o.Gateway, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https",
                "Services:Gateway must be an absolute http(s) URL: the proxy's address, through which drivers and passengers are reached.")
            .Validate(o => o.RecoveryAfterSeconds > o.TimeoutSeconds,
                "Services:RecoveryAfterSeconds must be longer than Services:TimeoutSeconds: recovery would otherwise release the driver of a request still waiting on the owner.")
            .ValidateOnStart();
        builder.Services.AddHttpClient<GatewayClient>((services, http) =>
        {
            var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GatewayOptions>>().Value;
            http.BaseAddress = new Uri(options.Gateway);
            http.Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds);
        });
        builder.Services.AddSingleton<TripRecovery>();
        builder.Services.AddHostedService(services => services.GetRequiredService<TripRecovery>());
        builder.Services.ConfigureHttpJsonOptions(json => ContractJson.Configure(json.SerializerOptions));
        builder.AddChangeSync<TripSyncTarget>("trips", SyncedTables, legacy);

        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapDefaultEndpoints();
        app.MapSync();
        app.MapTripsApi();
        return app;
    }

    /// <summary>Resolves both databases, builds and starts the app; for tests and tools.</summary>
    public static async Task<WebApplication> StartAsync(string[] args, CancellationToken cancellationToken)
    {
        var builder = CreateBuilder(args);
        var own = await ResolveStoreAsync(builder.Configuration, cancellationToken);
        var legacy = SyncEndpoints.SyncEnabled(builder.Configuration) ? await ResolveLegacyAsync(builder.Configuration, cancellationToken) : null;
        var app = Build(builder, own, legacy);
        await PrepareIdsAsync(own.ConnectionString, cancellationToken);
        await app.StartAsync(cancellationToken);
        return app;
    }

    /// <summary>New trip ids continue above every id the store holds (synced from legacy, or its own).</summary>
    public static async Task PrepareIdsAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(
            "SELECT setval('trip_ids', GREATEST((SELECT COALESCE(max(id), 0) FROM trips), (SELECT last_value FROM trip_ids), 1))");
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static Task<ResolvedDatabase> Resolve(IConfiguration configuration, string name, string database, string category, CancellationToken cancellationToken)
    {
        using var loggerFactory = new SerilogLoggerFactory(Log.Logger);
        return ResolvedDatabase.ResolveAsync(configuration, name, database, loggerFactory.CreateLogger(category), cancellationToken);
    }
}
