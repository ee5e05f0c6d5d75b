using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Strangler.Hosting.ServiceDefaults;

/// <summary>
/// Defaults every Strangler HTTP app shares (monolith, services, proxy): Serilog, problem+json errors,
/// correlation ids, liveness and readiness endpoints.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Tag of the health checks that /readyz runs.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Above every Serilog level: a category overridden to it writes nothing and reports itself disabled.</summary>
    private const LogEventLevel Off = LogEventLevel.Fatal + 1;

    /// <summary>Adds logging, problem details and health checks.</summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        var log = builder.Configuration.GetSection(LogOptions.SectionName).Get<LogOptions>() ?? new LogOptions();
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(log.MinimumLevel)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            // YARP writes two Information lines per forwarded request; the proxy logs each request once itself.
            .MinimumLevel.Override("Yarp", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            // ASP.NET Core creates an Activity (and a log scope) for every request while its hosting-diagnostics
            // logger is enabled at any level, and HttpClient then a child Activity per forwarded request. That
            // category only writes request start/finish lines (Information, already filtered): switching it off
            // entirely removes that per-request work (bench/proxy-overhead.sh). A client's traceparent header still
            // passes through the proxy unchanged.
            .MinimumLevel.Override("Microsoft.AspNetCore.Hosting.Diagnostics", Off)
            .Enrich.FromLogContext();
        if (log.Format == LogFormat.Json)
        {
            configuration.WriteTo.Console(new CompactJsonFormatter());
        }
        else
        {
            configuration.WriteTo.Console(
                outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {Properties:j}{NewLine}{Exception}");
        }

        // Several apps may share one process (tests, the demo): each has its own logger, the static one is left
        // alone — and so the request log must be given this one explicitly (see UseRequestLogging).
        var logger = configuration.CreateLogger();
        builder.Services.AddSerilog(logger, dispose: true);
        builder.Services.AddSingleton<Serilog.ILogger>(logger);

        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary>Adds a readiness check that the PostgreSQL data source in DI answers.</summary>
    public static IHealthChecksBuilder AddPostgresReadiness(this IHealthChecksBuilder checks) =>
        checks.AddCheck<PostgresReadinessCheck>("postgres", tags: [ReadyTag]);

    /// <summary>Takes or makes the request's X-Correlation-Id, forwards and echoes it; every log event of the request carries it.</summary>
    public static IApplicationBuilder UseCorrelationId(this IApplicationBuilder app) => app.UseMiddleware<CorrelationIdMiddleware>();

    /// <summary>Correlation ids, request logging and problem+json for errors; call first in the pipeline.</summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        app.UseCorrelationId();
        app.UseRequestLogging();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    /// <summary>
    /// One line per request (method, path, status, time, correlation id) through this app's logger, in its
    /// configured format and level. Serilog's middleware would otherwise write to the static bootstrap logger.
    /// </summary>
    public static IApplicationBuilder UseRequestLogging(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<Serilog.ILogger>();
        return app.UseSerilogRequestLogging(options =>
        {
            options.Logger = logger;
            options.EnrichDiagnosticContext = (diagnostics, http) => diagnostics.Set("CorrelationId", http.TraceIdentifier);
        });
    }

    /// <summary>Maps /healthz (process alive) and /readyz (dependencies reachable).</summary>
    public static IEndpointRouteBuilder MapDefaultEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag) });
        return endpoints;
    }
}
