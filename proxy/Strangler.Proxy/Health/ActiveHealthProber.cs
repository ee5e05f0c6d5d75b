using Microsoft.Extensions.Options;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Health;

/// <summary>Probes every service destination of the live route table on a fixed period.</summary>
internal sealed class ActiveHealthProber(
    RouteTableHolder table, ServiceHealth health, IOptions<HealthOptions> options, ILogger<ActiveHealthProber> logger)
    : BackgroundService
{
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
    {
        Timeout = TimeSpan.FromMilliseconds(options.Value.TimeoutMilliseconds),
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.IntervalMilliseconds));
        do
        {
            try
            {
                var targets = table.Current.Routes
                    .SelectMany(r => r.Destinations.Select(d => (Destination: d, Url: d + r.Definition.HealthPath)))
                    .Distinct()
                    .ToList();
                await Task.WhenAll(targets.Select(t => ProbeAsync(t.Destination, t.Url, stoppingToken)));
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // A background loop that threw would stop the whole proxy (the host's default): log, probe next round.
                logger.LogWarning(e, "Active health probes: this round failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task ProbeAsync(string destination, string url, CancellationToken cancellationToken)
    {
        bool healthy;
        try
        {
            using var response = await _client.GetAsync(url, cancellationToken);
            healthy = response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            healthy = false;
        }

        var was = health.IsHealthy(destination);
        health.ReportProbe(destination, healthy);
        if (was != healthy)
        {
            logger.LogWarning("Service destination {Destination} is now {Health}", destination, healthy ? "healthy" : "unhealthy");
        }
    }

    public override void Dispose()
    {
        _client.Dispose();
        base.Dispose();
    }
}
