using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using RideShare.Contracts.Http;
using RideShare.Monolith.Data;
using RideShare.Contracts.Pricing;
using Strangler.Hosting.Postgres;
using Strangler.Hosting.ServiceDefaults;

namespace RideShare.Monolith.Hosting;

public static class RideShareServices
{
    /// <summary>Connection string name in <c>ConnectionStrings</c>.</summary>
    public const string ConnectionStringName = "RideShare";

    /// <summary>
    /// Registers the database (the resolved one: configured, or embedded), EF Core, options and JSON
    /// settings of the RideShare API.
    /// </summary>
    public static WebApplicationBuilder AddRideShareServices(this WebApplicationBuilder builder, ResolvedDatabase database)
    {
        builder.Services.AddResolvedDatabase(database);
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(database.ConnectionString));
        builder.Services.AddDbContextPool<RideShareDbContext>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>())
            // A constraint violation (duplicate email → 409) is an expected outcome the API answers, not an error
            // to log with a stack trace; an unexpected failure still reaches the exception handler, which logs it.
            .ConfigureWarnings(w => w.Log(
                (CoreEventId.SaveChangesFailed, LogLevel.Debug),
                (RelationalEventId.CommandError, LogLevel.Debug),
                (CoreEventId.OptimisticConcurrencyException, LogLevel.Debug))));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHealthChecks().AddPostgresReadiness();

        builder.Services.AddOptions<PricingOptions>()
            .BindConfiguration(PricingOptions.SectionName)
            .Validate(p => p.BaseFare >= 0 && p.PerKm >= 0 && p.PerMinute >= 0 && p.MinimumFare >= 0, "Pricing amounts must be 0 or more.")
            .Validate(p => p.Currency is { Length: 3 }, "Pricing:Currency must be a 3-letter ISO 4217 code.")
            .ValidateOnStart();
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName).ValidateOnStart();
        builder.Services.AddOptions<Trips.DriverAccessOptions>().BindConfiguration(Trips.DriverAccessOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => Uri.TryCreate(o.Gateway, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https",
                "Drivers:Gateway must be an absolute http(s) URL: the proxy's address.")
            .Validate(o => o.RecoveryAfterSeconds > o.TimeoutSeconds,
                "Drivers:RecoveryAfterSeconds must be longer than Drivers:TimeoutSeconds: recovery would otherwise release the driver of a trip request still waiting on the owner.")
            .ValidateOnStart();
        builder.Services.AddHttpClient<RideShare.Contracts.Client.GatewayClient>((services, http) =>
        {
            var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Trips.DriverAccessOptions>>().Value;
            http.BaseAddress = new Uri(options.Gateway);
            http.Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds);
        });
        builder.Services.AddHostedService<Trips.GatewayTripRecovery>();

        builder.Services.ConfigureHttpJsonOptions(json => ContractJson.Configure(json.SerializerOptions));
        return builder;
    }
}
