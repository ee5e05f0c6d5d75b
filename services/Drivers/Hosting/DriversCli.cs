using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using RideShare.Contracts.Http;
using RideShare.Drivers.Store;
using RideShare.Drivers.Sync;
using Serilog;
using Strangler.Cdc.Sync;
using Strangler.Cdc.Sync.Reconcile;
using Strangler.Hosting.Postgres;
using Strangler.Hosting.ServiceDefaults;

namespace RideShare.Drivers.Hosting;

/// <summary>The Drivers service's commands: serve (default) and reconcile. Errors are one line on stderr, exit 1.</summary>
public static class DriversCli
{
    private const string Usage = """
        RideShare Drivers service
          serve                   run the HTTP API and the sync from the monolith's database (default)
          reconcile [--repair] [--wait SECONDS]
                                  compare the legacy drivers table with the store: exit 0 without drift, 2 with;
                                  --repair rewrites exactly the drifted drivers from legacy
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
        catch (Exception e) when (ServiceCommandErrors.IsOneLine(e) || e is StackExchange.Redis.RedisConnectionException)
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
        var builder = DriversApp.CreateBuilder(args);
        await using var store = await DriversApp.OpenStoreAsync(builder.Configuration);
        var legacy = SyncEndpoints.SyncEnabled(builder.Configuration) ? await DriversApp.ResolveLegacyAsync(builder.Configuration, CancellationToken.None) : null;
        await using var app = DriversApp.Build(builder, store, legacy);
        await app.StartAsync();
        foreach (var address in app.Urls)
        {
            Console.WriteLine($"RideShare Drivers service listening on {address}  (store: {store.Description}; try: curl {address}/sync/status)");
        }

        await app.WaitForShutdownAsync();
        return 0;
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
