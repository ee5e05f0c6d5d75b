using Microsoft.AspNetCore.Http.Json;
using RideShare.Contracts.Http;
using RideShare.Passengers.Store;
using RideShare.Passengers.Sync;
using Serilog;
using Strangler.Cdc.Sync;
using Strangler.Cdc.Sync.Reconcile;

namespace RideShare.Passengers.Hosting;

/// <summary>The Passengers service's commands: serve (default) and reconcile. Errors are one line on stderr, exit 1.</summary>
public static class PassengersCli
{
    private const string Usage = """
        RideShare Passengers service
          serve                   run the HTTP API and the sync from the monolith's database (default)
          reconcile [--repair] [--wait SECONDS]
                                  compare the legacy passengers table with the store: exit 0 without drift, 2 with;
                                  --repair rewrites exactly the drifted passengers from legacy
        Any other --Section:Key=value sets configuration (see docs/services.md).
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        Log.Logger = new LoggerConfiguration().WriteTo.Console(standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose).CreateBootstrapLogger();
        try
        {
            var command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "serve";
            var rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
            return command switch
            {
                "serve" => await ServeAsync(rest),
                "reconcile" => await ReconcileCommand.RunAsync(rest, ReconcileAsync),
                "help" or "--help" or "-h" => PrintUsage(),
                _ => Fail($"unknown command '{command}': use serve or reconcile (see 'help')."),
            };
        }
        catch (Exception e) when (ServiceCommandErrors.IsOneLine(e))
        {
            return Fail(e.Message);
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }

    private static async Task<int> ServeAsync(string[] args)
    {
        var builder = PassengersApp.CreateBuilder(args);
        var own = await PassengersApp.ResolveStoreAsync(builder.Configuration, CancellationToken.None);
        var legacy = SyncEndpoints.SyncEnabled(builder.Configuration) ? await PassengersApp.ResolveLegacyAsync(builder.Configuration, CancellationToken.None) : null;
        using var documents = await PassengersApp.OpenDocumentStoreAsync(own.ConnectionString, CancellationToken.None);
        await using var app = PassengersApp.Build(builder, documents, own, legacy);
        await app.StartAsync();
        foreach (var address in app.Urls)
        {
            Console.WriteLine($"RideShare Passengers service listening on {address}  (store: Marten documents in database '{new Npgsql.NpgsqlConnectionStringBuilder(own.ConnectionString).Database}'; try: curl {address}/sync/status)");
        }

        await app.WaitForShutdownAsync();
        return 0;
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

    private static int PrintUsage()
    {
        Console.WriteLine(Usage);
        return 0;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 1;
    }
}
