using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using RideShare.Monolith.Drivers;
using RideShare.Monolith.Migrations;
using RideShare.Monolith.Passengers;
using RideShare.Monolith.Trips;
using Serilog;
using Serilog.Extensions.Logging;
using Strangler.Hosting.Postgres;
using Strangler.Hosting.ServiceDefaults;

namespace RideShare.Monolith.Hosting;

/// <summary>Builds the RideShare web app; used by Program (all commands) and by the tests.</summary>
public static class RideShareApp
{
    /// <summary>A builder reading appsettings.json next to the binary, environment variables and <paramref name="args"/>.</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args) =>
        WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

    /// <summary>Resolves the database (configured, else embedded) named by the app's configuration.</summary>
    public static Task<ResolvedDatabase> ResolveDatabaseAsync(IConfiguration configuration, CancellationToken cancellationToken)
    {
        var options = configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>() ?? new DatabaseOptions();
        using var loggerFactory = new SerilogLoggerFactory(Log.Logger);
        return ResolvedDatabase.ResolveAsync(
            configuration, RideShareServices.ConnectionStringName, options.EmbeddedDatabaseName,
            loggerFactory.CreateLogger("RideShare.Database"), cancellationToken);
    }

    /// <summary>Builds the app on a resolved database: defaults, services, endpoints; migrates when configured.</summary>
    public static WebApplication Build(WebApplicationBuilder builder, ResolvedDatabase database)
    {
        builder.AddServiceDefaults();
        builder.AddRideShareServices(database);

        var app = builder.Build();
        if (app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup)
        {
            SchemaMigrator.Migrate(database.ConnectionString);
        }

        app.UseServiceDefaults();
        app.UseCommitPosition(app.Services.GetRequiredService<Npgsql.NpgsqlDataSource>());
        app.MapDefaultEndpoints();
        app.MapDriversApi();
        app.MapReservationsApi();
        app.MapPassengersApi();
        app.MapTripsApi();
        return app;
    }

    /// <summary>Builds and starts the app; for tests and tools that need a running instance.</summary>
    public static async Task<WebApplication> StartAsync(string[] args, CancellationToken cancellationToken)
    {
        var builder = CreateBuilder(args);
        var database = await ResolveDatabaseAsync(builder.Configuration, cancellationToken);
        var app = Build(builder, database);
        await app.StartAsync(cancellationToken);
        return app;
    }

    /// <summary>The addresses Kestrel actually bound (resolves port 0).</summary>
    public static IReadOnlyList<string> ListeningAddresses(this WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
}
