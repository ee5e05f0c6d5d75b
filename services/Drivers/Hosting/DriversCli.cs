using Microsoft.AspNetCore.Http.Json;
using RideShare.Contracts.Http;
using RideShare.Drivers.Sync;
using Serilog;
using Strangler.Cdc.Sync;
using Strangler.Cdc.Sync.Reconcile;

namespace RideShare.Drivers.Hosting;

/// <summary>The Drivers service's commands: serve (default) and reconcile (see <see cref="ServiceCommand"/>).</summary>
public static class DriversCli
{
    public static Task<int> RunAsync(string[] args) => ServiceCommand.RunAsync(args, new ServiceCommandSpec(
        "Drivers", "drivers", ServeAsync, ReconcileAsync, e => e is StackExchange.Redis.RedisConnectionException));

    private static async Task<int> ServeAsync(string[] args)
    {
        var builder = DriversApp.CreateBuilder(args);
        await using var store = await DriversApp.OpenStoreAsync(builder.Configuration);
        var legacy = SyncEndpoints.SyncEnabled(builder.Configuration) ? await DriversApp.ResolveLegacyAsync(builder.Configuration, CancellationToken.None) : null;
        await using var app = DriversApp.Build(builder, store, legacy);
        return await ServiceCommand.ServeAsync(app, "Drivers", store.Description);
    }

    private static async Task<ReconcileReport> ReconcileAsync(string[] args, bool repair, CancellationToken cancellationToken)
    {
        var builder = DriversApp.CreateBuilder(args);
        var configuration = builder.Configuration;
        var options = configuration.GetSection(ReconcileOptions.SectionName).Get<ReconcileOptions>() ?? new ReconcileOptions();
        await using var store = await DriversApp.OpenStoreAsync(configuration);
        await using var legacy = await DriversApp.ResolveLegacyAsync(configuration, cancellationToken);
        var json = new JsonOptions().SerializerOptions;
        ContractJson.Configure(json);
        using var loggerFactory = new Serilog.Extensions.Logging.SerilogLoggerFactory(Log.Logger);
        var reconciler = new Reconciler(
            legacy.ConnectionString, DriverProjection.Table, "id", row => DriverReconcileStore.Canonical(row, json),
            new DriverReconcileStore(store.CreateStore(), json), options, loggerFactory.CreateLogger("RideShare.Drivers.Reconcile"));
        return await reconciler.RunAsync(repair, cancellationToken);
    }
}
