using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Strangler.Testing;
using RideShare.Services.Tests.Contract;
using RideShare.Services.Tests.Sync;
using static Strangler.Testing.RideShareClient;

namespace RideShare.Services.Tests.Handoff;

/// <summary>
/// The monolith reaching drivers through the proxy (<c>Drivers:Access=Gateway</c>, branch by abstraction), with
/// drivers' writes handed to the Drivers service: the monolith's trips reserve, complete and release drivers through
/// the reservation contract, so it writes no drivers row itself.
/// </summary>
public class MonolithSeamStack : HandoffStack, IContractTarget
{
    private readonly int _port = Ports.Free();

    protected override string ProxyListen => $"http://127.0.0.1:{_port}";

    protected virtual string Access => "Gateway";

    protected override int HandoffWaitMilliseconds => 15_000;

    protected override IEnumerable<string> MonolithArgs => [$"--Drivers:Access={Access}", $"--Drivers:Gateway=http://127.0.0.1:{_port}"];

    public HttpClient Client => Public;

    public RideShareClient Api { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var handoff = await Admin.PostAsJsonAsync("/admin/routes/drivers/owner", new { owner = "service", reason = "seam tests" });
        Assert.True(handoff.IsSuccessStatusCode, await handoff.Content.ReadAsStringAsync());
        Api = new RideShareClient(Public);
    }
}

/// <summary>The trips contract, unchanged, against the monolith whose drivers belong to the Drivers service.</summary>
public sealed class MonolithTripsContractWithDriversHandedOver(MonolithSeamStack target) : TripsContract(target), IClassFixture<MonolithSeamStack>;

/// <summary>Single writer: trips through the monolith after the handoff change no drivers row in legacy except through the reverse sync.</summary>
public sealed class MonolithSeamTests(MonolithSeamStack stack) : IClassFixture<MonolithSeamStack>
{
    [Fact]
    public async Task TripsThroughTheMonolith_AfterDriversWereHandedOver_WriteNoDriversRowDirectly()
    {
        await stack.CaughtUpAsync(stack.Drivers);
        var before = (await SyncedStack.StatusAsync(stack.Drivers)).GetProperty("eventsApplied").GetInt64();

        for (var i = 0; i < 3; i++)
        {
            var (lat, lng) = NewRegion();
            var driver = await stack.Api.CreateAvailableDriverAsync(lat, lng); // written by the service (the owner)
            var passenger = await stack.Api.CreatePassengerAsync();
            var trip = await ReadAsync(await stack.Api.RequestTripAsync(passenger, lat, lng), HttpStatusCode.Created);
            var id = trip.GetProperty("id").GetInt64();
            Assert.Equal("legacy", (await stack.Public.GetAsync($"/api/trips/{id}")).Headers.GetValues("X-Strangler-Backend").Single());
            Assert.Equal(driver, trip.GetProperty("driverId").GetInt64());
            Assert.Equal("on_trip", (await stack.Api.GetAsync($"/api/drivers/{driver}")).GetProperty("status").GetString());
            if (i == 2)
            {
                await ReadAsync(await stack.Public.PostAsJsonAsync($"/api/trips/{id}/cancel", new { reason = "seam" }), HttpStatusCode.OK);
                Assert.Equal("available", (await stack.Api.GetAsync($"/api/drivers/{driver}")).GetProperty("status").GetString());
                continue;
            }

            await ReadAsync(await stack.Public.PostAsync($"/api/trips/{id}/start", null), HttpStatusCode.OK);
            await ReadAsync(await stack.Public.PostAsJsonAsync($"/api/trips/{id}/complete", new { rating = 5 }), HttpStatusCode.OK);
            var freed = await stack.Api.GetAsync($"/api/drivers/{driver}");
            Assert.Equal("available", freed.GetProperty("status").GetString());
            Assert.Equal(5.00m, freed.GetProperty("rating").GetDecimal());
        }

        // Legacy's drivers rows changed only under the reverse sync's origin, which the forward capture skips: had the
        // monolith written a driver's status itself, the Drivers service would have applied that change.
        await SyncedStack.ReverseSettledAsync(stack.Drivers);
        await stack.CaughtUpAsync(stack.Drivers);
        var status = await SyncedStack.StatusAsync(stack.Drivers);
        Assert.Equal(before, status.GetProperty("eventsApplied").GetInt64());
        Assert.Equal("service", status.GetProperty("owner").GetString());
        Assert.Equal(0, status.GetProperty("singleWriterViolations").GetInt64());
    }

    /// <summary>
    /// Completing or cancelling a trip frees its driver through the owner before the trip's final state is saved: in that
    /// moment the driver is available but legacy still holds an active trip for it. A trip requested then waits for
    /// legacy's one-active-trip-per-driver index instead of failing with 500 (found by the demo's load).
    /// </summary>
    [Fact]
    public async Task ADriverFreedBeforeItsPreviousTripIsSaved_IsWaitedFor_NotA500()
    {
        var (lat, lng) = NewRegion();
        var driver = await stack.Api.CreateAvailableDriverAsync(lat, lng);
        await stack.AvailableInLegacyAsync(driver);
        var first = await ReadAsync(await stack.Api.RequestTripAsync(await stack.Api.CreatePassengerAsync(), lat, lng), HttpStatusCode.Created);
        Assert.Equal(driver, first.GetProperty("driverId").GetInt64());
        var tripId = first.GetProperty("id").GetInt64();
        var key = await Sql.ScalarAsync<string>(stack.LegacyConnectionString, $"SELECT reservation_key FROM trips WHERE id = {tripId}");
        // The window, held open: the driver freed through the owner, its trip still assigned in legacy.
        await ReadAsync(await stack.Public.PostAsync($"/api/drivers/reservations/{key}/release", null), HttpStatusCode.OK);
        await Eventually.TrueAsync(async () =>
            (await (await stack.Monolith.Client.GetAsync($"/api/drivers/{driver}")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString() == "available",
            "the freed driver in legacy");

        var second = stack.Api.RequestTripAsync(await stack.Api.CreatePassengerAsync(), lat, lng);
        await Eventually.TrueAsync(async () => second.IsCompleted
            || (await stack.Drivers.Api.GetAsync($"/api/drivers/{driver}")).GetProperty("status").GetString() == "on_trip", "the driver reserved again");
        await Sql.ExecuteAsync(stack.LegacyConnectionString, $"UPDATE trips SET status = 'cancelled', cancelled_at = now() WHERE id = {tripId}");

        var assigned = await ReadAsync(await second, HttpStatusCode.Created);
        Assert.Equal(driver, assigned.GetProperty("driverId").GetInt64());
    }

    [Fact]
    public async Task AKeyHeldByARequestStoringItsTrip_IsSkipped_ThenReleasedOnceFree()
    {
        // A logged reservation key whose row a request holds (it claims the row in the transaction that stores its
        // trip): recovery must not release that driver. Recovery used to release first and delete second.
        var recovery = stack.Monolith.Services.GetServices<IHostedService>().OfType<RideShare.Monolith.Trips.GatewayTripRecovery>().Single();
        var key = $"monolith-trip-claimed-{Guid.NewGuid():N}";
        await Sql.ExecuteAsync(stack.LegacyConnectionString, $"INSERT INTO trip_reservation_requests (reservation_key) VALUES ('{key}')");
        await using (var holder = new Npgsql.NpgsqlConnection(stack.LegacyConnectionString))
        {
            await holder.OpenAsync();
            await using var transaction = await holder.BeginTransactionAsync();
            await using (var hold = new Npgsql.NpgsqlCommand($"SELECT 1 FROM trip_reservation_requests WHERE reservation_key = '{key}' FOR UPDATE", holder, transaction))
            {
                await hold.ExecuteScalarAsync();
            }

            var skipped = await recovery.RunOnceAsync(CancellationToken.None, TimeSpan.Zero).WaitAsync(TimeSpan.FromSeconds(20)); // never waits on it
            Assert.Equal(0, skipped);
            var untouched = await stack.Public.GetAsync($"/api/drivers/reservations/{key}");
            Assert.Equal(HttpStatusCode.NotFound, untouched.StatusCode); // not released: releasing an unknown key would have spent it
            await transaction.RollbackAsync();
        }

        Assert.Equal(1, await recovery.RunOnceAsync(CancellationToken.None, TimeSpan.Zero));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(stack.LegacyConnectionString, $"SELECT count(*) FROM trip_reservation_requests WHERE reservation_key = '{key}'"));
    }
}


/// <summary>The same stack with the monolith left on <c>Drivers:Access=Local</c>: a second writer after the handoff.</summary>
public sealed class MonolithWithoutSeamStack : MonolithSeamStack
{
    protected override string Access => "Local";
}

/// <summary>A write to a handed-over legacy table that bypasses the seam is detected, counted and reported.</summary>
public sealed class SingleWriterViolationTests(MonolithWithoutSeamStack stack) : IClassFixture<MonolithWithoutSeamStack>
{
    [Fact]
    public async Task TheMonolithWritingDriversAfterTheHandoff_IsReportedAsASingleWriterViolation()
    {
        var (lat, lng) = NewRegion();
        var driver = await stack.Api.CreateAvailableDriverAsync(lat, lng);
        await stack.AvailableInLegacyAsync(driver);
        // Every reverse-sync round done: a round still rewriting the driver's legacy row holds its lock, and the
        // monolith's nearest-driver search skips locked rows (409 "no driver available", seen once in CI).
        await SyncedStack.ReverseSettledAsync(stack.Drivers);
        var passenger = await stack.Api.CreatePassengerAsync();

        await ReadAsync(await stack.Api.RequestTripAsync(passenger, lat, lng), HttpStatusCode.Created); // assigns in legacy's own transaction
        await stack.CaughtUpAsync(stack.Drivers);

        var status = await SyncedStack.StatusAsync(stack.Drivers);
        Assert.Equal("service", status.GetProperty("owner").GetString());
        Assert.True(status.GetProperty("singleWriterViolations").GetInt64() >= 1, status.GetRawText());
        var metrics = await stack.Drivers.Client.GetStringAsync("/metrics");
        Assert.Matches(@"strangler_sync_single_writer_violations_total\{service=""drivers""\} [1-9]", metrics);
        var refused = await stack.Drivers.Client.PostAsJsonAsync("/sync/owner", new { owner = "legacy" }); // not from the proxy
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }
}
