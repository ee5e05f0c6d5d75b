using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Handoff;

/// <summary>
/// Keeps each route's service instances told who owns the route's writes (<c>POST /sync/owner</c>), so their sync can
/// flag legacy writes committed after the handoff's fence as single-writer violations: by the handoff right after it
/// flips (before the held writes go), and again every <see cref="HandoffOptions.AnnounceOwnerMilliseconds"/> for
/// every route — a service that restarted has forgotten the owner, and the notice after a handoff is best effort.
/// A periodic notice is sent from inside the route's write gate, as a write in flight: a handoff drains it before it
/// flips, so an owner read from the table before a flip never reaches a service after it.
/// </summary>
internal sealed class OwnerNotices(RouteTableHolder table, WriteGates gates, IOptions<HandoffOptions> options, ILogger<OwnerNotices> logger)
    : BackgroundService
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>
    /// Tells every destination the owner (and for the service, the fence). Best effort: a failure is logged — as a
    /// warning after a handoff, at debug level for a periodic notice (a stopped service is the health check's news).
    /// </summary>
    public async Task NotifyAsync(IReadOnlyList<string> destinations, WriteOwner owner, ulong? fence, bool periodic, CancellationToken cancellationToken)
    {
        foreach (var destination in destinations)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"{destination.TrimEnd('/')}/sync/owner")
                {
                    Content = JsonContent.Create(new { owner = OwnerNames.Name(owner), fence = owner == WriteOwner.Service ? fence ?? 0 : (ulong?)null }),
                };
                request.Headers.TryAddWithoutValidation(OwnerNames.Header, "service");
                using var response = await _http.SendAsync(request, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    logger.Log(periodic ? LogLevel.Debug : LogLevel.Warning, "{Destination} did not take the owner {Owner} ({Status})",
                        destination, OwnerNames.Name(owner), (int)response.StatusCode);
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                logger.Log(periodic ? LogLevel.Debug : LogLevel.Warning, "{Destination} could not be told the owner {Owner}: {Error}",
                    destination, OwnerNames.Name(owner), e.Message);
            }
        }
    }

    /// <summary>One round of periodic notices: every route with destinations whose writes are not held right now.</summary>
    public async Task AnnounceAsync(CancellationToken cancellationToken)
    {
        foreach (var compiled in table.Current.Routes)
        {
            if (compiled.Definition.Destinations.Count == 0)
            {
                continue;
            }

            // A handoff holding the route tells the services itself; inside the gate, the owner cannot flip until this
            // notice has been sent (the handoff drains writes in flight first, on every replica).
            using var lease = gates.For(compiled.Id).TryEnter();
            if (lease is null || table.Current.Find(compiled.Id)?.Definition is not { } route)
            {
                continue;
            }

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(TimeSpan.FromMilliseconds(Math.Min(1000, options.Value.AnnounceOwnerMilliseconds)));
            await NotifyAsync(route.Destinations, route.Owner, route.OwnerFence, periodic: true, limit.Token);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.AnnounceOwnerMilliseconds <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.AnnounceOwnerMilliseconds));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await AnnounceAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // A background loop that threw would stop the whole proxy (the host's default): log, try next round.
                    logger.LogWarning(e, "Owner notices: this round failed; the next one runs in {Interval} ms", options.Value.AnnounceOwnerMilliseconds);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }
}
