using JasperFx;
using Marten;
using Npgsql;
using RideShare.Contracts.Http;
using RideShare.Passengers.Api;
using RideShare.Passengers.Store;
using RideShare.Passengers.Sync;
using Serilog;
using Serilog.Extensions.Logging;
using Strangler.Cdc.Sync;
using Strangler.Hosting.Postgres;
using Strangler.Hosting.ServiceDefaults;

namespace RideShare.Passengers.Hosting;

/// <summary>Builds the Passengers service; used by Program (serve, reconcile) and by the tests.</summary>
public static class PassengersApp
{
    /// <summary>Connection string names: the service's own database, and the monolith's database it syncs from.</summary>
    public const string StoreConnectionName = "Passengers";

    public const string LegacyConnectionName = "Legacy";

    /// <summary>The service's own database on the embedded cluster when <c>ConnectionStrings:Passengers</c> is not set.</summary>
    public const string EmbeddedDatabaseName = "passengers";

    public static readonly IReadOnlyList<string> SyncedTables = [PassengerProjection.Table];

    public static WebApplicationBuilder CreateBuilder(string[] args) =>
        WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

    /// <summary>Resolves the service's own database (configured, else <c>passengers</c> on the embedded cluster).</summary>
    public static Task<ResolvedDatabase> ResolveStoreAsync(IConfiguration configuration, CancellationToken cancellationToken) =>
        Resolve(configuration, StoreConnectionName, EmbeddedDatabaseName, "RideShare.Passengers.Store", cancellationToken);

    /// <summary>Resolves the monolith's database (configured, else the demo's embedded cluster).</summary>
    public static Task<ResolvedDatabase> ResolveLegacyAsync(IConfiguration configuration, CancellationToken cancellationToken) =>
        Resolve(configuration, LegacyConnectionName, "rideshare", "RideShare.Passengers.Legacy", cancellationToken);

    /// <summary>The Marten store on the service's database, its schema created or brought up to date.</summary>
    public static async Task<DocumentStore> OpenDocumentStoreAsync(string connectionString, CancellationToken cancellationToken)
    {
        var store = DocumentStore.For(options =>
        {
            options.Connection(connectionString);
            options.DatabaseSchemaName = PassengerStore.Schema;
            options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
            options.UseSystemTextJsonForSerialization();
            options.Schema.For<PassengerDocument>().Index(p => p.Email);
            options.Schema.For<PassengerTombstone>();
            options.Schema.For<SyncCheckpointDocument>();
            options.Schema.For<DeadLetterDocument>();
        });
        try
        {
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await using var command = dataSource.CreateCommand($"""
                CREATE SEQUENCE IF NOT EXISTS {PassengerStore.IdSequence};
                CREATE TABLE IF NOT EXISTS {PassengerStore.OutboxTable} (seq bigserial PRIMARY KEY, id bigint NOT NULL);
                CREATE TABLE IF NOT EXISTS {PassengerStore.ReverseDeadLetterTable} (id bigserial PRIMARY KEY, body text NOT NULL);
                """);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Builds the app on its database and the legacy one: defaults, sync, endpoints.</summary>
    public static WebApplication Build(WebApplicationBuilder builder, DocumentStore documents, ResolvedDatabase own, ResolvedDatabase? legacy)
    {
        builder.AddServiceDefaults();
        builder.Services.AddSingleton<IDocumentStore>(documents);
        builder.Services.AddSingleton(sp => new PassengerStore(sp.GetRequiredService<IDocumentStore>(), outbox: legacy is not null));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(own.ConnectionString));
        builder.Services.AddHealthChecks().AddPostgresReadiness();
        builder.Services.AddResolvedDatabaseLifetime(own);
        if (legacy is not null)
        {
            builder.Services.AddResolvedDatabaseLifetime(legacy);
            builder.Services.AddReverseSync<PassengerReverseSource>("passengers", legacy);
        }
        builder.Services.ConfigureHttpJsonOptions(json => ContractJson.Configure(json.SerializerOptions));
        builder.AddChangeSync<PassengerSyncTarget>("passengers", SyncedTables, legacy);

        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapDefaultEndpoints();
        app.MapSync();
        app.MapPassengersApi();
        return app;
    }

    /// <summary>Resolves both databases, opens the store, builds and starts the app; for tests and tools.</summary>
    public static async Task<WebApplication> StartAsync(string[] args, CancellationToken cancellationToken)
    {
        var builder = CreateBuilder(args);
        var own = await ResolveStoreAsync(builder.Configuration, cancellationToken);
        var legacy = SyncEndpoints.SyncEnabled(builder.Configuration) ? await ResolveLegacyAsync(builder.Configuration, cancellationToken) : null;
        var documents = await OpenDocumentStoreAsync(own.ConnectionString, cancellationToken);
        var app = Build(builder, documents, own, legacy);
        app.Lifetime.ApplicationStopped.Register(documents.Dispose);
        await app.StartAsync(cancellationToken);
        return app;
    }

    private static Task<ResolvedDatabase> Resolve(IConfiguration configuration, string name, string database, string category, CancellationToken cancellationToken)
    {
        using var loggerFactory = new SerilogLoggerFactory(Log.Logger);
        return ResolvedDatabase.ResolveAsync(configuration, name, database, loggerFactory.CreateLogger(category), cancellationToken);
    }
}
