
namespace Strangler.Proxy.Routing;

/// <summary>Installs changes other replicas made to the shared store, as they are notified.</summary>
internal sealed class RouteTableSync(IRouteStore store, RouteChangeService changes, ILogger<RouteTableSync> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var _ in store.WatchAsync(stoppingToken))
            {
                try
                {
                    await changes.ReloadAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Route table reload failed; keeping version in use");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
