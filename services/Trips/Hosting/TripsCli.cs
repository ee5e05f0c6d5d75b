using Microsoft.AspNetCore.Http.Json;
using RideShare.Contracts.Http;
using RideShare.Trips.Store;
using RideShare.Trips.Sync;
using Serilog;
using Strangler.Cdc.Sync;
using Strangler.Cdc.Sync.Reconcile;

namespace RideShare.Trips.Hosting;

/// <summary>The Trips service's commands: serve (default) and reconcile (see <see cref="ServiceCommand"/>).</summary>
public static class TripsCli
{
    public static Task<int> RunAsync(string[] args) => ServiceCommand.RunAsync(args, new ServiceCommandSpec("Trips", "trips", ServeAsync, ReconcileAsync));

    private static async Task<int> ServeAsync(string[] args)
    {
        var builder = TripsApp.CreateBuilder(args);
        var own = await TripsApp.ResolveStoreAsync(builder.Configuration, CancellationToken.None);
        var legacy = SyncEndpoints.SyncEnabled(builder.Configuration) ? await TripsApp.ResolveLegacyAsync(builder.Configuration, CancellationToken.None) : null;
        await using var app = TripsApp.Build(builder, own, legacy);
        await TripsApp.PrepareIdsAsync(own.ConnectionString, CancellationToken.None);
        return await ServiceCommand.ServeAsync(app, "Trips", $"PostgreSQL database '{new Npgsql.NpgsqlConnectionStringBuilder(own.ConnectionString).Database}'");
    }

    private static async Task<ReconcileReport> ReconcileAsync(string[] args, bool repair, CancellationToken cancellationToken)
    {
        var builder = TripsApp.CreateBuilder(args);
        var configuration = builder.Configuration;
        var options = configuration.GetSection(ReconcileOptions.SectionName).Get<ReconcileOptions>() ?? new ReconcileOptions();
        await using var own = await TripsApp.ResolveStoreAsync(configuration, cancellationToken);
        await using var legacy = await TripsApp.ResolveLegacyAsync(configuration, cancellationToken);
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(own.ConnectionString);
        var json = new JsonOptions().SerializerOptions;
        ContractJson.Configure(json);
        using var loggerFactory = new Serilog.Extensions.Logging.SerilogLoggerFactory(Log.Logger);
        var dbOptions = TripsApp.DbOptions(own.ConnectionString);
        var reconciler = new Reconciler(
            legacy.ConnectionString, TripProjection.Table, "id", row => TripReconcileStore.Canonical(row, json),
            new TripReconcileStore(() => new TripsDbContext(dbOptions), new TripSyncStore(dataSource), json), options,
            loggerFactory.CreateLogger("RideShare.Trips.Reconcile"));
        return await reconciler.RunAsync(repair, cancellationToken);
    }
}
