using System.Globalization;
using Npgsql;
using RideShare.Monolith.Migrations;
using RideShare.Contracts.Pricing;
using RideShare.Monolith.Seeding;
using Serilog;
using Strangler.Hosting.Postgres;

namespace RideShare.Monolith.Hosting;

/// <summary>
/// The monolith's commands: serve (default), demo, migrate, seed. Errors are one line on stderr with a
/// non-zero exit code.
/// </summary>
public static class RideShareCli
{
    private const string Usage = """
        RideShare monolith
          serve                  run the HTTP API (default); migrates on start-up
          demo                   migrate, seed when empty, serve, print the URL
          migrate [--to N]       apply migrations up to the latest, or up/down to version N (0 = empty schema)
          seed [--drivers N] [--passengers N] [--trips N] [--random-seed N] [--reset]
                                 load deterministic demo data with binary COPY
        Any other --Section:Key=value sets configuration (see docs/configuration.md).
        """;

    private static readonly Dictionary<string, string> SeedFlags = new(StringComparer.Ordinal)
    {
        ["--drivers"] = "Seed:Drivers",
        ["--passengers"] = "Seed:Passengers",
        ["--trips"] = "Seed:Trips",
        ["--random-seed"] = "Seed:RandomSeed",
    };

    private static readonly Dictionary<string, string> NoFlags = [];

    public static async Task<int> RunAsync(string[] args)
    {
        Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateBootstrapLogger();
        try
        {
            var command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "serve";
            var rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
            using var stop = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                stop.Cancel();
            };
            return command switch
            {
                "serve" => await ServeAsync(rest, seedWhenEmpty: false),
                "demo" => await ServeAsync(rest, seedWhenEmpty: true),
                "migrate" => await MigrateAsync(rest, stop.Token),
                "seed" => await SeedAsync(rest, stop.Token),
                "help" or "--help" or "-h" => PrintUsage(),
                _ => Fail($"unknown command '{command}': use serve, demo, migrate or seed (see 'help')."),
            };
        }
        catch (Exception e) when (e is PostgresBinariesNotFoundException or SeedRefusedException or CliArgumentException
                                      or NpgsqlException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            return Fail(e.Message);
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }

    private static async Task<int> ServeAsync(string[] args, bool seedWhenEmpty)
    {
        var builder = RideShareApp.CreateBuilder(ConfigurationArgs(args, NoFlags));
        var database = await RideShareApp.ResolveDatabaseAsync(builder.Configuration, CancellationToken.None);
        await using var app = RideShareApp.Build(builder, database);
        if (seedWhenEmpty)
        {
            await SeedIfEmptyAsync(app);
        }

        await app.StartAsync();
        foreach (var address in app.ListeningAddresses())
        {
            Console.WriteLine($"RideShare monolith listening on {address}  (try: curl {address}/api/drivers?status=available)");
        }

        await app.WaitForShutdownAsync();
        return 0;
    }

    private static async Task SeedIfEmptyAsync(WebApplication app)
    {
        var options = app.Configuration.GetSection(SeedOptions.SectionName).Get<SeedOptions>() ?? new SeedOptions();
        var pricing = app.Configuration.GetSection(PricingOptions.SectionName).Get<PricingOptions>() ?? new PricingOptions();
        try
        {
            var result = await Seeder.SeedAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), options, pricing, CancellationToken.None);
            Console.WriteLine(Describe(result));
        }
        catch (SeedRefusedException) when (!options.Reset)
        {
            Console.WriteLine("Database already holds data; not seeding.");
        }
    }

    private static async Task<int> MigrateAsync(string[] args, CancellationToken cancellationToken)
    {
        long? target = null;
        var pass = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--to")
            {
                target = ParseNumber("--to", i + 1 < args.Length ? args[++i] : null);
            }
            else
            {
                pass.Add(args[i]);
            }
        }

        var builder = RideShareApp.CreateBuilder([.. pass]);
        await using var database = await RideShareApp.ResolveDatabaseAsync(builder.Configuration, cancellationToken);
        SchemaMigrator.Migrate(database.ConnectionString, target);
        Console.WriteLine($"Schema migrated to version {target ?? SchemaMigrator.LatestVersion}.");
        return 0;
    }

    private static async Task<int> SeedAsync(string[] args, CancellationToken cancellationToken)
    {
        var builder = RideShareApp.CreateBuilder(ConfigurationArgs(args, SeedFlags));
        var options = builder.Configuration.GetSection(SeedOptions.SectionName).Get<SeedOptions>() ?? new SeedOptions();
        var pricing = builder.Configuration.GetSection(PricingOptions.SectionName).Get<PricingOptions>() ?? new PricingOptions();
        await using var database = await RideShareApp.ResolveDatabaseAsync(builder.Configuration, cancellationToken);
        SchemaMigrator.Migrate(database.ConnectionString);
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var result = await Seeder.SeedAsync(dataSource, options, pricing, cancellationToken);
        Console.WriteLine(Describe(result));
        return 0;
    }

    /// <summary>Turns friendly flags (--drivers 10, --reset) into configuration arguments.</summary>
    private static string[] ConfigurationArgs(string[] args, Dictionary<string, string> numericFlags)
    {
        var result = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (numericFlags.TryGetValue(args[i], out var key))
            {
                var value = ParseNumber(args[i], i + 1 < args.Length ? args[++i] : null);
                result.Add($"--{key}={value}");
            }
            else if (args[i] == "--reset" && numericFlags.Count > 0)
            {
                result.Add("--Seed:Reset=true");
            }
            else
            {
                result.Add(args[i]);
            }
        }

        return [.. result];
    }

    private static long ParseNumber(string flag, string? value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number <= int.MaxValue
            ? number
            : throw new CliArgumentException($"{flag} needs a whole number of 0 or more, got '{value ?? "nothing"}'.");

    private static string Describe(SeedResult r) => string.Create(CultureInfo.InvariantCulture,
        $"Seeded {r.Drivers:N0} drivers, {r.Passengers:N0} passengers, {r.Trips:N0} trips ({r.Rows:N0} rows) in {r.Elapsed.TotalSeconds:F2} s: {r.RowsPerSecond:N0} rows/s.");

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

    private sealed class CliArgumentException(string message) : Exception(message);
}
