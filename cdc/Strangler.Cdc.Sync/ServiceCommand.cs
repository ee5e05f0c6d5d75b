using Microsoft.AspNetCore.Builder;
using Serilog;
using Strangler.Cdc.Sync.Reconcile;

namespace Strangler.Cdc.Sync;

/// <summary>
/// What differs between the extracted services' command lines: their name, the table they replicate, how they serve
/// and how they compare their store with legacy. <see cref="ServiceCommand"/> does the rest the same way for each.
/// </summary>
/// <param name="Service">The service's name as the usage and the start-up line show it, e.g. "Drivers".</param>
/// <param name="Resource">The legacy table it replicates, e.g. "drivers".</param>
/// <param name="Serve">Runs the service with the remaining arguments until it shuts down; returns the exit code.</param>
/// <param name="Reconcile">Compares legacy with the store (repairing when asked) with the remaining arguments.</param>
/// <param name="IsOneLine">Failures of the service's own store driver that are reported as one line.</param>
public sealed record ServiceCommandSpec(
    string Service,
    string Resource,
    Func<string[], Task<int>> Serve,
    Func<string[], bool, CancellationToken, Task<ReconcileReport>> Reconcile,
    Func<Exception, bool>? IsOneLine = null);

/// <summary>The extracted services' commands: serve (default) and reconcile. Errors are one line on stderr, exit 1.</summary>
public static class ServiceCommand
{
    /// <summary>Runs a service's command line (serve, reconcile, …): one clear line and exit code 1 on a bad setting.</summary>
    public static async Task<int> RunAsync(string[] args, ServiceCommandSpec spec)
    {
        Log.Logger = new LoggerConfiguration().WriteTo.Console(standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose).CreateBootstrapLogger();
        try
        {
            var command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "serve";
            var rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
            return command switch
            {
                "serve" => await spec.Serve(rest),
                "reconcile" => await ReconcileCommand.RunAsync(rest, spec.Reconcile),
                "help" or "--help" or "-h" => PrintUsage(spec),
                _ => Fail($"unknown command '{command}': use serve or reconcile (see 'help')."),
            };
        }
        catch (Exception e) when (ServiceCommandErrors.IsOneLine(e) || spec.IsOneLine?.Invoke(e) == true)
        {
            return Fail(e.Message);
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }

    /// <summary>Starts the app, prints where it listens and what it stores in, and runs until shutdown.</summary>
    public static async Task<int> ServeAsync(WebApplication app, string service, string store)
    {
        await app.StartAsync();
        foreach (var address in app.Urls)
        {
            Console.WriteLine($"RideShare {service} service listening on {address}  (store: {store}; try: curl {address}/sync/status)");
        }

        await app.WaitForShutdownAsync();
        return 0;
    }

    private static int PrintUsage(ServiceCommandSpec spec)
    {
        Console.WriteLine($"""
            RideShare {spec.Service} service
              serve                   run the HTTP API and the sync from the monolith's database (default)
              reconcile [--repair] [--wait SECONDS]
                                      compare the legacy {spec.Resource} table with the store: exit 0 without drift, 2 with;
                                      --repair rewrites exactly the drifted {spec.Resource} from legacy
            Any other --Section:Key=value sets configuration (see docs/services.md).
            """);
        return 0;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 1;
    }
}

/// <summary>A bad command line: reported as one line, exit code 1.</summary>
public sealed class ServiceCommandException(string message) : Exception(message);

/// <summary>The failures a service's command reports as one line rather than a stack trace.</summary>
public static class ServiceCommandErrors
{
    /// <summary>True when the exception's message is meant for people as one line (configuration and input errors).</summary>
    public static bool IsOneLine(Exception e) => e is ServiceCommandException or Strangler.Hosting.Postgres.PostgresBinariesNotFoundException
        or Npgsql.NpgsqlException or Microsoft.Extensions.Options.OptionsValidationException or Strangler.Cdc.Capture.CdcConfigurationException;
}
