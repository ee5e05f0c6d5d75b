using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RideShare.Services.Tests.Sync;
using static Strangler.Testing.RideShareClient;

namespace RideShare.Services.Tests.Handoff;

/// <summary>The synced stack with the strangler proxy in front: drivers and passengers routes read from the services, written by legacy.</summary>
public class HandoffStack : SyncedStack
{
    public const string Token = "handoff-admin-token-0123456789";
    private readonly TempDirectory _routes = new();

    public HttpClient Public { get; private set; } = null!;

    /// <summary>
    /// How long a handoff may wait for the sync (before and while holding) and for writes in flight: short where a test
    /// expects a refusal, longer where the whole suite's parallel load must not turn a round trip into one.
    /// </summary>
    protected virtual int HandoffWaitMilliseconds => 1500;

    /// <summary>How long a handoff waits for writes in flight (on every replica) once it holds.</summary>
    protected virtual int DrainWaitMilliseconds => HandoffWaitMilliseconds;

    /// <summary>
    /// How long a held write waits (the whole hold ends before it): by default long enough for the longest drain and
    /// fence waits, so a slow machine makes a handoff slower rather than aborted.
    /// </summary>
    protected virtual int MaxHoldMilliseconds => DrainWaitMilliseconds + HandoffWaitMilliseconds + 2000;

    /// <summary>How often the proxy re-tells every route's services who owns the writes.</summary>
    protected virtual int AnnounceOwnerMilliseconds => 500;

    /// <summary>Where the proxy's route to a service points: the service itself unless a test puts something in between.</summary>
    protected virtual Task<Uri> DestinationAsync(string route, Uri service) => Task.FromResult(service);

    /// <summary>The proxy's public listener; a fixed port when the monolith must know it before the proxy starts.</summary>
    protected virtual string ProxyListen => "http://127.0.0.1:0";

    public HttpClient Admin { get; private set; } = null!;

    /// <summary>Where the proxy keeps its route table: a file of its own unless replicas share one.</summary>
    protected virtual IEnumerable<string> ProxyStoreArgs => [$"--Proxy:Store:FilePath={Path.Combine(_routes.Path, "routes.json")}"];

    /// <summary>Whether the stack puts the drivers and passengers routes in place (at stage service) once it started.</summary>
    protected virtual bool RegisterRoutes => true;

    /// <summary>Every proxy this stack started (the first is <see cref="Public"/>/<see cref="Admin"/>).</summary>
    protected List<ProxyReplica> Proxies { get; } = [];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var proxy = await StartProxyAsync(ProxyListen);
        Public = proxy.Public;
        Admin = proxy.Admin;
        foreach (var (id, target) in RegisterRoutes ? new[] { ("drivers", Drivers), ("passengers", Passengers) } : [])
        {
            var destination = await DestinationAsync(id, target.BaseAddress);
            var route = await Admin.PutAsJsonAsync($"/admin/routes/{id}", new { path = $"/api/{id}/{{**rest}}", destinations = new[] { destination.ToString() }, stage = "service" });
            Assert.True(route.IsSuccessStatusCode, await route.Content.ReadAsStringAsync());
        }
    }

    /// <summary>A handoff that completed without refusing a single held write (a refused write is a failed request).</summary>
    public static void AssertCompleted(HttpResponseMessage handoff, string report)
    {
        Assert.True(handoff.StatusCode == HttpStatusCode.OK, report);
        var result = JsonDocument.Parse(report).RootElement.GetProperty("handoff");
        Assert.True(result.GetProperty("outcome").GetString() == "completed", report);
        Assert.True(result.GetProperty("refusedWrites").GetInt64() == 0, report);
    }

    /// <summary>Starts a proxy in front of this stack's monolith, on this stack's route store.</summary>
    protected async Task<ProxyReplica> StartProxyAsync(string listen)
    {
        var app = await Strangler.Proxy.Hosting.ProxyApp.StartAsync(
        [
            $"--Proxy:LegacyUrl={Monolith.BaseAddress}", $"--Proxy:Listen={listen}", "--Proxy:Admin:Listen=http://127.0.0.1:0",
            $"--Proxy:Admin:Token={Token}", .. ProxyStoreArgs,
            "--Proxy:Health:IntervalMilliseconds=100", $"--Proxy:Handoff:LegacyConnectionString={LegacyConnectionString}",
            $"--Proxy:Handoff:PrecheckMilliseconds={HandoffWaitMilliseconds}", $"--Proxy:Handoff:FenceMilliseconds={HandoffWaitMilliseconds}",
            $"--Proxy:Handoff:DrainMilliseconds={DrainWaitMilliseconds}", $"--Proxy:Handoff:MaxHoldMilliseconds={MaxHoldMilliseconds}",
            $"--Proxy:Handoff:AnnounceOwnerMilliseconds={AnnounceOwnerMilliseconds}", "--Log:MinimumLevel=Warning",
        ], CancellationToken.None);
        var endpoints = app.Services.GetRequiredService<Strangler.Proxy.ProxyEndpoints>();
        var admin = new HttpClient { BaseAddress = endpoints.AdminAddress };
        admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        var replica = new ProxyReplica(app, new HttpClient { BaseAddress = endpoints.PublicAddress }, admin);
        Proxies.Add(replica);
        return replica;
    }

    public override async Task DisposeAsync()
    {
        foreach (var proxy in Enumerable.Reverse(Proxies))
        {
            proxy.Public.Dispose();
            proxy.Admin.Dispose();
            await proxy.App.StopAsync();
            await proxy.App.DisposeAsync();
        }

        _routes.Dispose();
        await base.DisposeAsync();
    }
}

/// <summary>One in-process proxy: its public and (authorised) admin clients.</summary>
public sealed record ProxyReplica(WebApplication App, HttpClient Public, HttpClient Admin);

/// <summary>
/// Handoffs that must not happen and what users see meanwhile: a handoff whose sync is not ready is refused before
/// anything is held, and changes nothing; read-your-writes; the owner header is the proxy's alone.
/// </summary>
public sealed class HandoffTests(HandoffStack stack) : IClassFixture<HandoffStack>
{
    [Fact]
    public async Task HandOff_WhileTheServicesSyncIsStalled_IsRefusedBeforeHolding_AndWritesGoOn()
    {
        await Sql.ExecuteAsync(stack.PassengersConnectionString, "ALTER TABLE passengers.mt_doc_passengerdocument RENAME TO mt_doc_stalled");
        try
        {
            var stalled = await stack.Monolith.Api.CreatePassengerAsync(); // the sync cannot apply this one
            var handoff = await stack.Admin.PostAsJsonAsync("/admin/routes/passengers/owner", new { owner = "service" });
            var write = await stack.Public.PostAsJsonAsync("/api/passengers", new { fullName = "During", email = $"during.{Guid.NewGuid():N}@example.com" });

            var problem = await ProblemAsync(handoff, HttpStatusCode.Conflict);
            Assert.Contains("not ready, so nothing was held", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(0, problem.GetProperty("handoff").GetProperty("heldWrites").GetInt64());
            Assert.Equal(HttpStatusCode.Created, write.StatusCode);
            Assert.Equal("legacy", write.Headers.GetValues("X-Strangler-Backend").Single());
            Assert.Equal("legacy", (await stack.Admin.GetFromJsonAsync<JsonElement>("/admin/routes/passengers")).GetProperty("owner").GetString());
            Assert.True(stalled > 0);
        }
        finally
        {
            await Sql.ExecuteAsync(stack.PassengersConnectionString, "ALTER TABLE passengers.mt_doc_stalled RENAME TO mt_doc_passengerdocument");
        }
    }

    [Fact]
    public async Task HandOff_WhileReadsAreNotAllAtTheService_IsRefusedBeforeHolding()
    {
        var canary = await stack.Admin.PostAsJsonAsync("/admin/routes/passengers/stage", new { stage = "canary", weight = 50 });
        Assert.True(canary.IsSuccessStatusCode, await canary.Content.ReadAsStringAsync());
        try
        {
            var handoff = await stack.Admin.PostAsJsonAsync("/admin/routes/passengers/owner", new { owner = "service" });

            var problem = await ProblemAsync(handoff, HttpStatusCode.Conflict);
            Assert.Contains("writes move after reads", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal("refused", problem.GetProperty("handoff").GetProperty("outcome").GetString());
            Assert.Equal(0, problem.GetProperty("handoff").GetProperty("heldWrites").GetInt64());
            Assert.Equal("legacy", (await stack.Admin.GetFromJsonAsync<JsonElement>("/admin/routes/passengers")).GetProperty("owner").GetString());
        }
        finally
        {
            var back = await stack.Admin.PostAsJsonAsync("/admin/routes/passengers/stage", new { stage = "service" });
            Assert.True(back.IsSuccessStatusCode, await back.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task ReadYourWrites_AUserReadsTheirOwnWrite_EvenWhileTheServiceLags()
    {
        await stack.CaughtUpAsync(stack.Passengers);
        // The service lags: its sync's writes wait for this lock, its reads do not.
        var blocker = new Npgsql.NpgsqlConnection(stack.PassengersConnectionString);
        await blocker.OpenAsync();
        var lockTransaction = await blocker.BeginTransactionAsync();
        await using (var lockCommand = new Npgsql.NpgsqlCommand("LOCK TABLE passengers.mt_doc_passengerdocument IN EXCLUSIVE MODE", blocker, lockTransaction))
        {
            await lockCommand.ExecuteNonQueryAsync();
        }

        long id;
        try
        {
            var create = new HttpRequestMessage(HttpMethod.Post, "/api/passengers")
            {
                Content = JsonContent.Create(new { fullName = "Reader", email = $"reader.{Guid.NewGuid():N}@example.com" }),
                Headers = { { "X-User-Id", "ryw-writer" } },
            };
            var created = await stack.Public.SendAsync(create);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.True(created.Headers.Contains("X-Strangler-Lsn"));
            id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

            var own = await stack.Public.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/passengers/{id}") { Headers = { { "X-User-Id", "ryw-writer" } } });
            var other = await stack.Public.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/passengers/{id}") { Headers = { { "X-User-Id", "someone-else" } } });

            Assert.Equal(HttpStatusCode.OK, own.StatusCode); // their write, from the monolith
            Assert.Equal("legacy", own.Headers.GetValues("X-Strangler-Backend").Single());
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode); // reads follow the stage: the lagging service
            Assert.Equal("service", other.Headers.GetValues("X-Strangler-Backend").Single());
        }
        finally
        {
            await lockTransaction.CommitAsync();
            await blocker.DisposeAsync();
        }

        await SyncedStack.CaughtUpAsync(stack.Passengers, await stack.LegacyLsnAsync(), 90_000);
        var caughtUp = await stack.Public.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/passengers/{id}") { Headers = { { "X-User-Id", "ryw-writer" } } });
        Assert.Equal(HttpStatusCode.OK, caughtUp.StatusCode);
        Assert.Equal("service", caughtUp.Headers.GetValues("X-Strangler-Backend").Single());
        var stats = await stack.Admin.GetFromJsonAsync<JsonElement>("/admin/stats");
        var passengers = stats.GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("id").GetString() == "passengers");
        Assert.True(passengers.GetProperty("readYourWritesRedirects").GetInt64() >= 1);
    }

    [Fact]
    public async Task SyncOwner_BadBodies_Are400_AndChangeNothing()
    {
        async Task<HttpStatusCode> PostAsync(string json)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/sync/owner")
            {
                Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
                Headers = { { "X-Strangler-Owner", "service" } },
            };
            return (await stack.Drivers.Client.SendAsync(request)).StatusCode;
        }

        foreach (var json in new[] { """{"owner":null}""", """{"owner":"service"}""", """{"owner":"service","fence":null}""", """{"owner":"both","fence":1}""",
            """{"owner":"service","fence":-1}""", """{"owner":"service","fence":18446744073709551616}""", "null", "[]" })
        {
            Assert.Equal(HttpStatusCode.BadRequest, await PostAsync(json));
        }

        Assert.Equal("legacy", (await SyncedStack.StatusAsync(stack.Drivers)).GetProperty("owner").GetString());
    }

    [Fact]
    public async Task TheOwnerHeader_FromAClient_IsNotTrusted()
    {
        var message = new HttpRequestMessage(HttpMethod.Post, "/api/passengers")
        {
            Content = JsonContent.Create(new { fullName = "Sneaky", email = $"sneaky.{Guid.NewGuid():N}@example.com" }),
            Headers = { { "X-Strangler-Owner", "service" } },
        };

        var response = await stack.Public.SendAsync(message);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("legacy", response.Headers.GetValues("X-Strangler-Backend").Single());
    }
}

/// <summary>The handoff stack with waits long enough for the whole suite's parallel load.</summary>
public sealed class RoundTripStack : HandoffStack
{
    protected override int HandoffWaitMilliseconds => 15_000;
}

/// <summary>
/// Drivers handed legacy → service → legacy → service while users write through the proxy: no request fails, every
/// acknowledged write ends up in both stores (forward sync one way, the Drivers store's outbox and reverse sync the
/// other), reconcile finds no drift, and nothing loops: the reverse sync's transactions carry our replication origin
/// and the forward capture skips them.
/// </summary>
public sealed class HandoffRoundTripTests(RoundTripStack stack) : IClassFixture<RoundTripStack>
{
    [Fact]
    public async Task RoundTrip_UnderWriteLoad_NoFailure_NoLostWrite_NoDrift_NoLoop()
    {
        var writers = new DriverWriters([stack.Public, stack.Public, stack.Public, stack.Public], latitude: 20m);
        foreach (var owner in new[] { "service", "legacy", "service" })
        {
            await writers.MoreAsync(6, $"writes before handing to {owner}");
            var handoff = await stack.Admin.PostAsJsonAsync("/admin/routes/drivers/owner", new { owner, reason = "round trip" });
            var report = await handoff.Content.ReadAsStringAsync();
            HandoffStack.AssertCompleted(handoff, report);
        }

        await writers.MoreAsync(6, "writes after the last handoff");
        await writers.StopAsync();
        Assert.Empty(writers.Failures);

        // Converge: the reverse sync has put every service write into legacy, the forward sync has read legacy to its end.
        await writers.InBothStoresAsync(stack);
        var eventsApplied = (await SyncedStack.StatusAsync(stack.Drivers)).GetProperty("eventsApplied").GetInt64();

        var report2 = await stack.DriversReconciler(stack.Drivers.Services.GetRequiredService<RideShare.Drivers.Store.DriverStore>())
            .RunAsync(repair: false, CancellationToken.None);
        Assert.True(report2.Drift.Count == 0, string.Join("; ", report2.Drift.Select(d => $"{d.Kind} {d.Key}")));

        // No loop: one more service write reaches legacy through the reverse sync, and the forward sync, having read
        // past that transaction, applied nothing for it.
        var extra = await stack.Public.PostAsJsonAsync("/api/drivers", DriverBody());
        Assert.Equal("service", extra.Headers.GetValues("X-Strangler-Backend").Single());
        var extraId = (await extra.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await Eventually.TrueAsync(async () => (await stack.Monolith.Client.GetAsync($"/api/drivers/{extraId}")).StatusCode == HttpStatusCode.OK,
            "the service's write in legacy");
        await stack.CaughtUpAsync(stack.Drivers);
        Assert.Equal(eventsApplied, (await SyncedStack.StatusAsync(stack.Drivers)).GetProperty("eventsApplied").GetInt64());
    }
}

/// <summary>The same round trip for passengers: Marten documents, with their outbox in the document's own transaction.</summary>
public sealed class PassengersHandoffRoundTripTests(RoundTripStack stack) : IClassFixture<RoundTripStack>
{
    [Fact]
    public async Task RoundTrip_UnderWriteLoad_NoFailure_NoLostWrite_NoDrift_NoLoop()
    {
        var failures = new ConcurrentQueue<string>();
        var acknowledged = new ConcurrentDictionary<long, string>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
        {
            for (var round = 0; !stop.IsCancellationRequested; round++)
            {
                var created = await stack.Public.PostAsJsonAsync("/api/passengers", new { fullName = $"Rider {writer}/{round}", email = $"rt.{Guid.NewGuid():N}@example.com" });
                var body = await created.Content.ReadAsStringAsync();
                if (created.StatusCode != HttpStatusCode.Created)
                {
                    failures.Enqueue($"create: {(int)created.StatusCode} {body}");
                    continue;
                }

                var passenger = JsonDocument.Parse(body).RootElement;
                var id = passenger.GetProperty("id").GetInt64();
                acknowledged[id] = body;
                using var rename = new HttpRequestMessage(HttpMethod.Put, $"/api/passengers/{id}")
                {
                    Content = JsonContent.Create(new { fullName = $"Renamed {writer}/{round}", email = passenger.GetProperty("email").GetString(), marketingOptIn = true }),
                };
                rename.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"1\""));
                var renamed = await stack.Public.SendAsync(rename);
                var renamedBody = await renamed.Content.ReadAsStringAsync();
                if (renamed.StatusCode != HttpStatusCode.OK)
                {
                    var via = renamed.Headers.TryGetValues("X-Strangler-Backend", out var b) ? string.Join(",", b) : "?";
                    var createdVia = created.Headers.TryGetValues("X-Strangler-Backend", out var c) ? string.Join(",", c) : "?";
                    failures.Enqueue($"rename of {id} (created via {createdVia}, renamed via {via}): {(int)renamed.StatusCode} {renamedBody}");
                    continue;
                }

                acknowledged[id] = renamedBody;
            }
        })).ToList();

        foreach (var owner in new[] { "service", "legacy", "service" })
        {
            var before = acknowledged.Count;
            await Eventually.TrueAsync(() => Task.FromResult(acknowledged.Count >= before + 6), $"writes before handing to {owner}");
            var handoff = await stack.Admin.PostAsJsonAsync("/admin/routes/passengers/owner", new { owner, reason = "round trip" });
            var report = await handoff.Content.ReadAsStringAsync();
            HandoffStack.AssertCompleted(handoff, report);
        }

        var last = acknowledged.Count;
        await Eventually.TrueAsync(() => Task.FromResult(acknowledged.Count >= last + 6), "writes after the last handoff");
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        Assert.True(failures.IsEmpty, string.Join("\n", failures));

        await SyncedStack.ReverseSettledAsync(stack.Passengers);
        await stack.CaughtUpAsync(stack.Passengers);
        var eventsApplied = (await SyncedStack.StatusAsync(stack.Passengers)).GetProperty("eventsApplied").GetInt64();
        foreach (var (id, body) in acknowledged)
        {
            Assert.Equal(body, await stack.Passengers.Client.GetStringAsync($"/api/passengers/{id}"));
            Assert.Equal(body, await stack.Monolith.Client.GetStringAsync($"/api/passengers/{id}"));
        }

        var report2 = await stack.PassengersReconciler(stack.Passengers.Services.GetRequiredService<RideShare.Passengers.Store.PassengerStore>())
            .RunAsync(repair: false, CancellationToken.None);
        Assert.True(report2.Drift.Count == 0, string.Join("; ", report2.Drift.Select(d => $"{d.Kind} {d.Key}")));

        var extra = await stack.Public.PostAsJsonAsync("/api/passengers", new { fullName = "Last", email = $"last.{Guid.NewGuid():N}@example.com" });
        Assert.Equal("service", extra.Headers.GetValues("X-Strangler-Backend").Single());
        var extraId = (await extra.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await Eventually.TrueAsync(async () => (await stack.Monolith.Client.GetAsync($"/api/passengers/{extraId}")).StatusCode == HttpStatusCode.OK,
            "the service's write in legacy");
        await stack.CaughtUpAsync(stack.Passengers);
        Assert.Equal(eventsApplied, (await SyncedStack.StatusAsync(stack.Passengers)).GetProperty("eventsApplied").GetInt64());
    }
}

/// <summary>
/// The LSN-fenced write-ownership handoff, legacy → service, through the real proxy while users write: no request
/// fails, every acknowledged write is in the new owner's store, writes after the handoff reach the service.
/// </summary>
public sealed class HandoffUnderLoadTests(RoundTripStack stack) : IClassFixture<RoundTripStack>
{
    [Fact]
    public async Task HandOffDrivers_UnderWriteLoad_NoRequestFails_NoWriteIsLost()
    {
        var failures = new ConcurrentQueue<string>();
        var acknowledged = new ConcurrentDictionary<long, string>(); // driver id → the last acknowledged body
        var backends = new ConcurrentQueue<(bool StartedAfter, bool EndedBefore, string Backend)>();
        var sent = 0; // the handoff request was sent
        var handedOver = 0; // and answered
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
        {
            for (var round = 0; !stop.IsCancellationRequested || round < 3; round++)
            {
                var startedAfter = Volatile.Read(ref handedOver) == 1;
                var created = await stack.Public.PostAsJsonAsync("/api/drivers", DriverBody());
                var endedBefore = Volatile.Read(ref sent) == 0;
                if (created.StatusCode != HttpStatusCode.Created)
                {
                    failures.Enqueue($"create: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
                    continue;
                }

                backends.Enqueue((startedAfter, endedBefore, created.Headers.GetValues("X-Strangler-Backend").Single()));
                var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
                var moved = await stack.Public.PutAsJsonAsync($"/api/drivers/{id}/status",
                    new { status = "available", location = new { latitude = 10m + writer, longitude = round * 0.001m } });
                var body = await moved.Content.ReadAsStringAsync();
                if (moved.StatusCode != HttpStatusCode.OK)
                {
                    failures.Enqueue($"status: {(int)moved.StatusCode} {body}");
                    continue;
                }

                acknowledged[id] = body;
            }
        })).ToList();

        await Eventually.TrueAsync(() => Task.FromResult(acknowledged.Count >= 8), "writes before the handoff");
        Volatile.Write(ref sent, 1);
        var handoff = await stack.Admin.PostAsJsonAsync("/admin/routes/drivers/owner", new { owner = "service", reason = "test cutover" });
        var report = await handoff.Content.ReadAsStringAsync();
        Volatile.Write(ref handedOver, 1);
        var countAtHandoff = acknowledged.Count;
        await Eventually.TrueAsync(() => Task.FromResult(acknowledged.Count >= countAtHandoff + 8), "writes after the handoff");
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        HandoffStack.AssertCompleted(handoff, report);
        Assert.Empty(failures);
        Assert.Contains(backends, b => b.EndedBefore);
        Assert.All(backends.Where(b => b.EndedBefore), b => Assert.Equal("legacy", b.Backend));
        Assert.Contains(backends, b => b.StartedAfter);
        Assert.All(backends.Where(b => b.StartedAfter), b => Assert.Equal("service", b.Backend));
        foreach (var (id, body) in acknowledged)
        {
            var stored = await stack.Drivers.Client.GetAsync($"/api/drivers/{id}");
            Assert.True(stored.StatusCode == HttpStatusCode.OK, $"driver {id} acknowledged but not in the service's store");
            Assert.Equal(body, await stored.Content.ReadAsStringAsync());
        }

        var route = await stack.Admin.GetFromJsonAsync<JsonElement>("/admin/routes/drivers");
        Assert.Equal("service", route.GetProperty("owner").GetString());
        var audit = await stack.Admin.GetStringAsync("/admin/audit");
        Assert.Contains("\"action\":\"owner\"", audit, StringComparison.Ordinal);
        var stats = await stack.Admin.GetFromJsonAsync<JsonElement>("/admin/stats");
        var drivers = stats.GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("id").GetString() == "drivers");
        Assert.Equal("completed", drivers.GetProperty("handoff").GetProperty("outcome").GetString());
        Assert.True(drivers.GetProperty("handoff").GetProperty("holdMilliseconds").GetDouble() > 0);
    }
}

/// <summary>
/// A trip in flight across the drivers handoff: its driver was reserved (and the reservation confirmed) in legacy, and
/// it completes after drivers were handed to the service. The service adopts the reservation from legacy, so the
/// completion succeeds there and the driver is freed; reads of a reservation the store lacks answer from legacy.
/// </summary>
public sealed class ReservationAcrossTheHandoffTests(RoundTripStack stack) : IClassFixture<RoundTripStack>
{
    [Fact]
    public async Task AReservationMadeInLegacy_CompletesAfterTheHandoff_OnTheService()
    {
        var (lat, lng) = NewRegion();
        var driver = await stack.Monolith.Api.CreateAvailableDriverAsync(lat, lng);
        var key = $"across-{Guid.NewGuid():N}";
        var reserved = await stack.Public.PutAsJsonAsync($"/api/drivers/reservations/{key}", new { pickup = new { latitude = lat, longitude = lng } });
        Assert.Equal(HttpStatusCode.Created, reserved.StatusCode);
        Assert.Equal("legacy", reserved.Headers.GetValues("X-Strangler-Backend").Single());
        Assert.Equal(driver, (await reserved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("driverId").GetInt64());
        var confirmed = await stack.Public.PostAsJsonAsync($"/api/drivers/reservations/{key}/confirm", new { tripId = 424_242 });
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);

        // Reads go to the service (stage service) before it owns anything — once it has this user's last write (read-your-
        // writes) —: the reservation, which the store does not hold, is answered from legacy.
        await stack.CaughtUpAsync(stack.Drivers);
        var read = await stack.Public.GetAsync($"/api/drivers/reservations/{key}");
        Assert.Equal("service", read.Headers.GetValues("X-Strangler-Backend").Single());
        Assert.Equal("confirmed", (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());

        var handoff = await stack.Admin.PostAsJsonAsync("/admin/routes/drivers/owner", new { owner = "service" });
        Assert.True(handoff.StatusCode == HttpStatusCode.OK, await handoff.Content.ReadAsStringAsync());
        try
        {
            var completed = await stack.Public.PostAsJsonAsync($"/api/drivers/reservations/{key}/complete",
                new { dropoff = new { latitude = lat + 0.01m, longitude = lng }, rating = 5 });
            var body = await completed.Content.ReadAsStringAsync();
            Assert.True(completed.StatusCode == HttpStatusCode.OK, body);
            Assert.Equal("service", completed.Headers.GetValues("X-Strangler-Backend").Single());
            Assert.Equal("completed", JsonDocument.Parse(body).RootElement.GetProperty("state").GetString());
            var freed = await stack.Drivers.Api.GetAsync($"/api/drivers/{driver}");
            Assert.Equal("available", freed.GetProperty("status").GetString());
            // A repeat is answered unchanged (the store holds the adopted reservation now).
            var again = await stack.Public.PostAsJsonAsync($"/api/drivers/reservations/{key}/complete",
                new { dropoff = new { latitude = lat + 0.01m, longitude = lng }, rating = 5 });
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Equal(freed.GetProperty("ratingCount").GetInt64(), (await stack.Drivers.Api.GetAsync($"/api/drivers/{driver}")).GetProperty("ratingCount").GetInt64());
        }
        finally
        {
            var back = await stack.Admin.PostAsJsonAsync("/admin/routes/drivers/owner", new { owner = "legacy" });
            Assert.True(back.StatusCode == HttpStatusCode.OK, await back.Content.ReadAsStringAsync());
        }
    }
}

/// <summary>
/// A service that forgot who owns its writes — a restart forgets it, and the notice after a handoff is best effort — is
/// told again by the proxy within Proxy:Handoff:AnnounceOwnerMilliseconds, with the handoff's fence (kept in the route).
/// Before, a restarted owner said "legacy" until the next handoff and counted no single-writer violation.
/// </summary>
public sealed class OwnerNoticeTests(RoundTripStack stack) : IClassFixture<RoundTripStack>
{
    [Fact]
    public async Task AServiceThatForgotTheOwner_IsToldAgain_WithTheHandoffsFence()
    {
        await stack.CaughtUpAsync(stack.Drivers);
        var handoff = await stack.Admin.PostAsJsonAsync("/admin/routes/drivers/owner", new { owner = "service", reason = "owner notice" });
        HandoffStack.AssertCompleted(handoff, await handoff.Content.ReadAsStringAsync());
        var route = await stack.Admin.GetFromJsonAsync<JsonElement>("/admin/routes/drivers");
        var fence = route.GetProperty("ownerFence").GetUInt64();
        var status = await SyncedStack.StatusAsync(stack.Drivers);
        Assert.Equal("service", status.GetProperty("owner").GetString());
        Assert.Equal(fence, status.GetProperty("ownerFence").GetUInt64());

        // Forgotten, as after a restart: the next periodic notice restores owner and fence.
        await ForgetAsync();
        await Eventually.TrueAsync(async () =>
        {
            var now = await SyncedStack.StatusAsync(stack.Drivers);
            return now.GetProperty("owner").GetString() == "service" && now.GetProperty("ownerFence").GetUInt64() == fence;
        }, "the proxy telling the service again", 15_000);

        // A route read with GET and sent back keeps its owner and fence (a fence in the body is ignored).
        var body = System.Text.Json.Nodes.JsonNode.Parse(route.GetRawText())!.AsObject();
        body["ownerFence"] = 1;
        body["weight"] = 0;
        var put = await stack.Admin.PutAsJsonAsync("/admin/routes/drivers", body);
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        var after = await stack.Admin.GetFromJsonAsync<JsonElement>("/admin/routes/drivers");
        Assert.Equal("service", after.GetProperty("owner").GetString());
        Assert.Equal(fence, after.GetProperty("ownerFence").GetUInt64());

        // Handed back: the route keeps no fence, and the service is kept at legacy.
        var back = await stack.Admin.PostAsJsonAsync("/admin/routes/drivers/owner", new { owner = "legacy", reason = "owner notice" });
        HandoffStack.AssertCompleted(back, await back.Content.ReadAsStringAsync());
        var legacy = await stack.Admin.GetFromJsonAsync<JsonElement>("/admin/routes/drivers");
        Assert.True(!legacy.TryGetProperty("ownerFence", out var none) || none.ValueKind == JsonValueKind.Null, legacy.ToString());
        Assert.Equal("legacy", (await SyncedStack.StatusAsync(stack.Drivers)).GetProperty("owner").GetString());
        using (var wrong = new HttpRequestMessage(HttpMethod.Post, "/sync/owner") { Content = JsonContent.Create(new { owner = "service", fence = 1 }) })
        {
            wrong.Headers.Add("X-Strangler-Owner", "service");
            Assert.True((await stack.Drivers.Client.SendAsync(wrong)).IsSuccessStatusCode);
        }

        await Eventually.TrueAsync(async () => (await SyncedStack.StatusAsync(stack.Drivers)).GetProperty("owner").GetString() == "legacy",
            "the proxy correcting a service that believes it owns the writes", 15_000);

        async Task ForgetAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/sync/owner") { Content = JsonContent.Create(new { owner = "legacy" }) };
            request.Headers.Add("X-Strangler-Owner", "service");
            Assert.True((await stack.Drivers.Client.SendAsync(request)).IsSuccessStatusCode);
        }
    }
}

