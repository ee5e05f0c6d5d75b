using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RideShare.Services.Tests.Sync;
using Xunit.Abstractions;
using static Strangler.Testing.RideShareClient;

namespace RideShare.Services.Tests.Handoff;

/// <summary>
/// The Trips service as a replica behind the proxy (trips route: reads at the service, writes by legacy), reaching
/// drivers through the proxy; the monolith completes trips whose driver was reserved through the proxy the same way.
/// </summary>
public sealed class TripsHandoffStack : HandoffStack
{
    private readonly int _port = Ports.Free();

    protected override string ProxyListen => $"http://127.0.0.1:{_port}";

    protected override bool StartTrips => true;

    protected override int HandoffWaitMilliseconds => 15_000;

    // The monolith reaches drivers through the proxy too, so every trip holds a reservation either side can finish.
    protected override IEnumerable<string> MonolithArgs => ["--Drivers:Access=Gateway", $"--Drivers:Gateway=http://127.0.0.1:{_port}"];

    protected override IEnumerable<string> TripsExtraArgs => [$"--Services:Gateway=http://127.0.0.1:{_port}"];

    public RideShareClient Api { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var route = await Admin.PutAsJsonAsync("/admin/routes/trips", new { path = "/api/trips/{**rest}", destinations = new[] { Trips.BaseAddress.ToString() }, stage = "service" });
        Assert.True(route.IsSuccessStatusCode, await route.Content.ReadAsStringAsync());
        // The Trips service checks passengers through the proxy right after riders create them: served by the
        // monolith here, since a replica read from another service is not covered by read-your-writes (which follows
        // the user) and can miss a passenger created milliseconds earlier.
        var passengers = await Admin.PostAsJsonAsync("/admin/routes/passengers/rollback", new { reason = "trips handoff test" });
        Assert.True(passengers.IsSuccessStatusCode, await passengers.Content.ReadAsStringAsync());
        Api = new RideShareClient(Public);
    }
}

/// <summary>
/// Trips handed legacy → service → legacy → service while riders request, start and complete trips through the proxy:
/// no request fails, every acknowledged trip is the same in both stores (forward sync, and the Trips outbox reverse
/// synced into legacy under its origin), reconcile finds no drift, and a trip begun on one side is finished on the other.
/// </summary>
public sealed class TripsHandoffRoundTripTests(TripsHandoffStack stack, ITestOutputHelper output) : IClassFixture<TripsHandoffStack>
{
    [Fact]
    public async Task RoundTrip_UnderTripLoad_NoFailure_NoLostWrite_NoDrift()
    {
        var failures = new ConcurrentQueue<string>();
        var reports = new List<string>();
        var acknowledged = new ConcurrentDictionary<long, string>();
        using var stop = new CancellationTokenSource();
        var riders = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var (lat, lng) = NewRegion();
                await stack.Api.CreateAvailableDriverAsync(lat, lng);
                var passenger = await stack.Api.CreatePassengerAsync();
                var requested = await stack.Public.PostAsJsonAsync("/api/trips", TripBody(passenger, lat, lng));
                var body = await requested.Content.ReadAsStringAsync();
                if (requested.StatusCode != HttpStatusCode.Created)
                {
                    failures.Enqueue($"request: {(int)requested.StatusCode} {body}");
                    continue;
                }

                var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt64();
                acknowledged[id] = body;
                foreach (var (step, content) in new[] { ("start", (object?)null), ("complete", new { rating = 4 }) })
                {
                    var response = step == "start" ? await stack.Public.PostAsync($"/api/trips/{id}/start", null) : await stack.Public.PostAsJsonAsync($"/api/trips/{id}/complete", content);
                    var text = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        failures.Enqueue($"{step} {id}: {(int)response.StatusCode} {text}");
                        break;
                    }

                    acknowledged[id] = text;
                }
            }
        })).ToList();

        foreach (var owner in new[] { "service", "legacy", "service" })
        {
            var before = acknowledged.Count;
            await Eventually.TrueAsync(() => Task.FromResult(acknowledged.Count >= before + 3 || failures.Count > 5), $"trips before handing to {owner}", 30_000);
            Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(5).Concat(reports)));
            var handoff = await stack.Admin.PostAsJsonAsync("/admin/routes/trips/owner", new { owner, reason = "round trip" });
            var report = await handoff.Content.ReadAsStringAsync();
            HandoffStack.AssertCompleted(handoff, report);
            reports.Add(report);
            output.WriteLine(report);
        }

        var last = acknowledged.Count;
        await Eventually.TrueAsync(() => Task.FromResult(acknowledged.Count >= last + 3), "trips after the last handoff", 30_000);
        await stop.CancelAsync();
        await Task.WhenAll(riders);
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Concat(reports)));

        await SyncedStack.ReverseSettledAsync(stack.Trips);
        await stack.CaughtUpAsync(stack.Trips);
        foreach (var (id, body) in acknowledged)
        {
            Assert.Equal(body, await stack.Trips.Client.GetStringAsync($"/api/trips/{id}"));
            Assert.Equal(body, await stack.Monolith.Client.GetStringAsync($"/api/trips/{id}"));
        }

        var report2 = await stack.TripsReconciler().RunAsync(repair: false, CancellationToken.None);
        Assert.True(report2.Drift.Count == 0, string.Join("; ", report2.Drift.Select(d => $"{d.Kind} {d.Key}")));
        Assert.Equal(0, (await SyncedStack.StatusAsync(stack.Trips)).GetProperty("reverse").GetProperty("deadLetters").GetInt64());
    }
}
