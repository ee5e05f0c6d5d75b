using Strangler.Cdc.Apply;

namespace Strangler.Cdc.Sync;

/// <summary>
/// Runs the service's <see cref="SyncRunner"/> for the life of the app. A sync that cannot start (a bad setting,
/// the legacy database unreachable) is retried with backoff and shown in /sync/status; the HTTP API keeps serving.
/// </summary>
internal sealed class SyncHostedService(SyncRunner runner, ILogger<SyncHostedService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await runner.RunAsync(stoppingToken);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError("Sync stopped: {Error}; retrying in {Delay} s", e.Message, backoff.TotalSeconds);
                await Task.Delay(backoff, stoppingToken);
                backoff = TimeSpan.FromSeconds(Math.Min(30, backoff.TotalSeconds * 2));
            }
        }
    }
}
