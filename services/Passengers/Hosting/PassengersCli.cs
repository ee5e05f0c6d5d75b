using Microsoft.AspNetCore.Http.Json;
using RideShare.Contracts.Http;
using RideShare.Passengers.Store;
using RideShare.Passengers.Sync;
using Serilog;
using Strangler.Cdc.Sync;
using Strangler.Cdc.Sync.Reconcile;

namespace RideShare.Passengers.Hosting;

/// <summary>The Passengers service's commands: serve (default) and reconcile (see <see cref="ServiceCommand"/>).</summary>
public static class PassengersCli
{
    public static Task<int> RunAsync(string[] args) => ServiceCommand.RunAsync(args, new ServiceCommandSpec(
        "Passengers", "passengers", ServeAsync, ReconcileAsync));

    private static async Task<int> ServeAsync(string[] args)
    {
        var builder = PassengersApp.CreateBuilder(args);
        var own = await PassengersApp.ResolveStoreAsync(builder.Configuration, CancellationToken.None);
        var legacy = SyncEndpoints.SyncEnabled(builder.Configuration) ? await PassengersApp.ResolveLegacyAsync(builder.Configuration, CancellationToken.None) : null;
        using var documents = await PassengersApp.OpenDocumentStoreAsync(own.ConnectionString, CancellationToken.None);
        await using var app = PassengersApp.Build(builder, documents, own, legacy);
        return await ServiceCommand.ServeAsync(
            app, "Passengers", $"Marten documents in database '{new Npgsql.NpgsqlConnectionStringBuilder(own.ConnectionString).Database}'");
    }

    private static async Task<ReconcileReport> ReconcileAsync(string[] args, bool repair, CancellationToken cancellationToken)
    {
        var builder = PassengersApp.CreateBuilder(args);
        var configuration = builder.Configuration;
        var options = configuration.GetSection(ReconcileOptions.SectionName).Get<ReconcileOptions>() ?? new ReconcileOptions();
        await using var own = await PassengersApp.ResolveStoreAsync(configuration, cancellationToken);
        await using var legacy = await PassengersApp.ResolveLegacyAsync(configuration, cancellationToken);
        using var documents = await PassengersApp.OpenDocumentStoreAsync(own.ConnectionString, cancellationToken);
        var json = new JsonOptions().SerializerOptions;
        ContractJson.Configure(json);
        using var loggerFactory = new Serilog.Extensions.Logging.SerilogLoggerFactory(Log.Logger);
        var reconciler = new Reconciler(
            legacy.ConnectionString, PassengerProjection.Table, "id", row => PassengerReconcileStore.Canonical(row, json),
            new PassengerReconcileStore(new PassengerStore(documents), json), options, loggerFactory.CreateLogger("RideShare.Passengers.Reconcile"));
        return await reconciler.RunAsync(repair, cancellationToken);
    }
}
