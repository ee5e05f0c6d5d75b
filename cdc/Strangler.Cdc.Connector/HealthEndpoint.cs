using Strangler.Cdc.Capture;

namespace Strangler.Cdc.Connector;

/// <summary>
/// Optional probes for orchestrators (<c>Cdc:HealthListen</c>, e.g. <c>http://0.0.0.0:8081</c>; empty: none):
/// <c>/healthz</c> answers while the process runs; <c>/readyz</c> while it is the slot's active instance or a
/// standby waiting to take over (both are as intended), 503 once stopped. Nothing else is served.
/// </summary>
internal sealed class HealthEndpoint : IAsyncDisposable
{
    private readonly WebApplication? _app;

    private HealthEndpoint(WebApplication? app) => _app = app;

    public static async Task<HealthEndpoint> StartAsync(string listen, CdcEngine engine, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(listen))
        {
            return new HealthEndpoint(null);
        }

        if (!Uri.TryCreate(listen, UriKind.Absolute, out var uri) || uri.Scheme != "http")
        {
            throw new CdcConfigurationException($"Cdc:HealthListen must be an http URL such as http://0.0.0.0:8081; got '{listen}'.");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(listen);
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Ok(new { role = engine.Role.ToString().ToLowerInvariant() }));
        app.MapGet("/readyz", () => engine.Role is CdcRole.Active or CdcRole.Standby
            ? Results.Ok(new { role = engine.Role.ToString().ToLowerInvariant() })
            : Results.Json(new { role = engine.Role.ToString().ToLowerInvariant() }, statusCode: StatusCodes.Status503ServiceUnavailable));
        await app.StartAsync(cancellationToken);
        return new HealthEndpoint(app);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
