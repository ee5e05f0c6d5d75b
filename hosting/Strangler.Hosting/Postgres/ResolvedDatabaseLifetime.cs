using Microsoft.Extensions.Hosting;

namespace Strangler.Hosting.Postgres;

/// <summary>
/// Stops an embedded server this process started once the host has fully stopped: after the web server
/// has drained in-flight requests, never before.
/// </summary>
internal sealed class ResolvedDatabaseLifetime(ResolvedDatabase database) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken) => await database.DisposeAsync();
}
