using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RideShare.Services.Tests.Sync;
using static Strangler.Testing.RideShareClient;

namespace RideShare.Services.Tests.Handoff;

/// <summary>
/// Users writing drivers through one or more proxies while handoffs happen: each creates a driver, then changes its
/// status and position, again and again. Every acknowledged write's body is kept (the driver's newest), every failure
/// too — the handoff tests assert there is none and that each acknowledged write is in both stores afterwards.
/// </summary>
public sealed class DriverWriters
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _writers;

    /// <param name="proxies">One writer per entry (the same proxy may appear several times).</param>
    /// <param name="latitude">Where this test's drivers are (so tests do not meet each other's drivers).</param>
    public DriverWriters(IReadOnlyList<HttpClient> proxies, decimal latitude)
    {
        _writers = proxies.Select((proxy, writer) => Task.Run(() => WriteAsync(proxy, latitude + writer))).ToList();
    }

    public ConcurrentQueue<string> Failures { get; } = new();

    /// <summary>Driver id → the body of the newest acknowledged write.</summary>
    public ConcurrentDictionary<long, string> Acknowledged { get; } = new();

    /// <summary>Waits until <paramref name="count"/> more drivers were acknowledged.</summary>
    public Task MoreAsync(int count, string what)
    {
        var before = Acknowledged.Count;
        return Eventually.TrueAsync(() => Task.FromResult(Acknowledged.Count >= before + count), what);
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_writers);
    }

    /// <summary>
    /// Waits until the reverse sync has put every service write into legacy and the forward sync has read legacy to its
    /// end, then checks every acknowledged write is in both stores, as acknowledged.
    /// </summary>
    public async Task InBothStoresAsync(SyncedStack stack)
    {
        await SyncedStack.ReverseSettledAsync(stack.Drivers);
        await stack.CaughtUpAsync(stack.Drivers);
        foreach (var (id, body) in Acknowledged)
        {
            Assert.Equal(body, await stack.Drivers.Client.GetStringAsync($"/api/drivers/{id}"));
            Assert.Equal(body, await stack.Monolith.Client.GetStringAsync($"/api/drivers/{id}"));
        }
    }

    private async Task WriteAsync(HttpClient proxy, decimal latitude)
    {
        for (var round = 0; !_stop.IsCancellationRequested; round++)
        {
            var created = await proxy.PostAsJsonAsync("/api/drivers", DriverBody());
            if (created.StatusCode != HttpStatusCode.Created)
            {
                Failures.Enqueue($"create: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
                continue;
            }

            var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
            Acknowledged[id] = await created.Content.ReadAsStringAsync();
            var moved = await proxy.PutAsJsonAsync($"/api/drivers/{id}/status",
                new { status = round % 2 == 0 ? "available" : "offline", location = new { latitude, longitude = round * 0.001m } });
            var body = await moved.Content.ReadAsStringAsync();
            if (moved.StatusCode != HttpStatusCode.OK)
            {
                Failures.Enqueue($"status: {(int)moved.StatusCode} {body}");
                continue;
            }

            Acknowledged[id] = body;
        }
    }
}
