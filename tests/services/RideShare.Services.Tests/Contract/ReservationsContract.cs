using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static Strangler.Testing.RideShareClient;

namespace RideShare.Services.Tests.Contract;

/// <summary>
/// The driver-reservation contract (docs/api.md, "Driver reservations"), one suite against the monolith and the
/// Drivers service owning its data, with the same assertions: the Trips service reserves through the proxy and gets
/// the same answers whoever owns drivers.
/// </summary>
public abstract class ReservationsContract(IContractTarget target)
{
    private HttpClient Http => target.Client;

    private RideShareClient Api => target.Api;

    private static string NewKey() => $"trip-{Guid.NewGuid():N}";

    private static object Pickup(decimal lat, decimal lng) => new { pickup = new { latitude = lat, longitude = lng } };

    private Task<HttpResponseMessage> ReserveAsync(string key, decimal lat, decimal lng) =>
        Http.PutAsJsonAsync($"/api/drivers/reservations/{key}", Pickup(lat, lng));

    private async Task<JsonElement> DriverAsync(long id) => await Api.GetAsync($"/api/drivers/{id}");

    [Fact]
    public async Task Reserve_HoldsTheNearestAvailableDriver()
    {
        var (lat, lng) = NewRegion();
        var far = await Api.CreateAvailableDriverAsync(lat + 0.05m, lng);
        var near = await Api.CreateAvailableDriverAsync(lat + 0.001m, lng);
        var key = NewKey();

        var response = await ReserveAsync(key, lat, lng);

        var reservation = await ReadAsync(response, HttpStatusCode.Created);
        Assert.Equal($"/api/drivers/reservations/{key}", response.Headers.Location?.OriginalString);
        Assert.Equal(key, reservation.GetProperty("key").GetString());
        Assert.Equal(near, reservation.GetProperty("driverId").GetInt64());
        Assert.Equal("held", reservation.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, reservation.GetProperty("tripId").ValueKind);
        var driver = await DriverAsync(near);
        Assert.Equal("on_trip", driver.GetProperty("status").GetString());
        Assert.Equal(3, driver.GetProperty("version").GetInt32()); // created, made available, reserved
        Assert.Equal("available", (await DriverAsync(far)).GetProperty("status").GetString());
        Assert.Equal(reservation.GetRawText(), (await Api.GetAsync($"/api/drivers/reservations/{key}")).GetRawText());
    }

    [Fact]
    public async Task Reserve_SameKeyAgain_AnswersTheFirstReservationAndHoldsNoSecondDriver()
    {
        var (lat, lng) = NewRegion();
        var first = await Api.CreateAvailableDriverAsync(lat, lng);
        var second = await Api.CreateAvailableDriverAsync(lat + 0.002m, lng);
        var key = NewKey();
        var created = await ReadAsync(await ReserveAsync(key, lat, lng), HttpStatusCode.Created);

        var again = await ReadAsync(await ReserveAsync(key, lat, lng), HttpStatusCode.OK);

        Assert.Equal(created.GetRawText(), again.GetRawText());
        Assert.Equal(first, again.GetProperty("driverId").GetInt64());
        Assert.Equal("available", (await DriverAsync(second)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Confirm_AttachesTheTrip_RepeatIsAccepted_AnotherTripIsRefused()
    {
        var (lat, lng) = NewRegion();
        await Api.CreateAvailableDriverAsync(lat, lng);
        var key = NewKey();
        await ReadAsync(await ReserveAsync(key, lat, lng), HttpStatusCode.Created);

        var confirmed = await ReadAsync(await Http.PostAsJsonAsync($"/api/drivers/reservations/{key}/confirm", new { tripId = 41 }), HttpStatusCode.OK);
        var repeat = await ReadAsync(await Http.PostAsJsonAsync($"/api/drivers/reservations/{key}/confirm", new { tripId = 41 }), HttpStatusCode.OK);
        var other = await ProblemAsync(await Http.PostAsJsonAsync($"/api/drivers/reservations/{key}/confirm", new { tripId = 42 }), HttpStatusCode.Conflict);

        Assert.Equal("confirmed", confirmed.GetProperty("state").GetString());
        Assert.Equal(41, confirmed.GetProperty("tripId").GetInt64());
        Assert.Equal(confirmed.GetRawText(), repeat.GetRawText());
        Assert.Contains("trip 41", other.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Release_GivesTheDriverBack_RepeatIsAccepted_TheKeyCannotReserveAgain()
    {
        var (lat, lng) = NewRegion();
        var driverId = await Api.CreateAvailableDriverAsync(lat, lng);
        var key = NewKey();
        await ReadAsync(await ReserveAsync(key, lat, lng), HttpStatusCode.Created);

        var released = await ReadAsync(await Http.PostAsync($"/api/drivers/reservations/{key}/release", null), HttpStatusCode.OK);
        var repeat = await ReadAsync(await Http.PostAsync($"/api/drivers/reservations/{key}/release", null), HttpStatusCode.OK);
        var reserveAgain = await ProblemAsync(await ReserveAsync(key, lat, lng), HttpStatusCode.Conflict);

        Assert.Equal("released", released.GetProperty("state").GetString());
        Assert.Equal(released.GetRawText(), repeat.GetRawText());
        Assert.Contains("released", reserveAgain.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var driver = await DriverAsync(driverId);
        Assert.Equal("available", driver.GetProperty("status").GetString());
        Assert.Equal(4, driver.GetProperty("version").GetInt32()); // released once, not twice
    }

    [Fact]
    public async Task Release_UnknownKey_SpendsIt_SoALateReserveTakesNoDriver()
    {
        var (lat, lng) = NewRegion();
        var driverId = await Api.CreateAvailableDriverAsync(lat, lng);
        var key = NewKey();

        var released = await ReadAsync(await Http.PostAsync($"/api/drivers/reservations/{key}/release", null), HttpStatusCode.OK);
        var late = await ProblemAsync(await ReserveAsync(key, lat, lng), HttpStatusCode.Conflict);

        Assert.Equal("released", released.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, released.GetProperty("driverId").ValueKind);
        Assert.Contains("released", late.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("available", (await DriverAsync(driverId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Complete_FreesTheDriverAtTheDropoffWithTheRating_OnceOnly()
    {
        var (lat, lng) = NewRegion();
        var driverId = await Api.CreateAvailableDriverAsync(lat, lng);
        var key = NewKey();
        await ReadAsync(await ReserveAsync(key, lat, lng), HttpStatusCode.Created);
        await ReadAsync(await Http.PostAsJsonAsync($"/api/drivers/reservations/{key}/confirm", new { tripId = 7 }), HttpStatusCode.OK);
        var body = new { dropoff = new { latitude = lat + 0.02m, longitude = lng + 0.02m }, rating = 4 };

        var completed = await ReadAsync(await Http.PostAsJsonAsync($"/api/drivers/reservations/{key}/complete", body), HttpStatusCode.OK);
        var repeat = await ReadAsync(await Http.PostAsJsonAsync($"/api/drivers/reservations/{key}/complete", body), HttpStatusCode.OK);

        Assert.Equal("completed", completed.GetProperty("state").GetString());
        Assert.Equal(completed.GetRawText(), repeat.GetRawText());
        var driver = await DriverAsync(driverId);
        Assert.Equal("available", driver.GetProperty("status").GetString());
        Assert.Equal(lat + 0.02m, driver.GetProperty("location").GetProperty("latitude").GetDecimal());
        Assert.Equal(lng + 0.02m, driver.GetProperty("location").GetProperty("longitude").GetDecimal());
        Assert.Equal(4.00m, driver.GetProperty("rating").GetDecimal());
        Assert.Equal(1, driver.GetProperty("ratingCount").GetInt32());
        await ProblemAsync(await Http.PostAsync($"/api/drivers/reservations/{key}/release", null), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Complete_AfterRelease_Is409AndChangesNothing()
    {
        var (lat, lng) = NewRegion();
        var driverId = await Api.CreateAvailableDriverAsync(lat, lng);
        var key = NewKey();
        await ReadAsync(await ReserveAsync(key, lat, lng), HttpStatusCode.Created);
        await ReadAsync(await Http.PostAsync($"/api/drivers/reservations/{key}/release", null), HttpStatusCode.OK);
        var before = (await DriverAsync(driverId)).GetRawText();

        var problem = await ProblemAsync(
            await Http.PostAsJsonAsync($"/api/drivers/reservations/{key}/complete", new { dropoff = new { latitude = lat, longitude = lng }, rating = 5 }),
            HttpStatusCode.Conflict);

        Assert.Contains("released", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, (await DriverAsync(driverId)).GetRawText());
    }

    [Fact]
    public async Task UnknownKey_GetConfirmComplete_Are404()
    {
        var key = NewKey();

        await ProblemAsync(await Http.GetAsync($"/api/drivers/reservations/{key}"), HttpStatusCode.NotFound);
        await ProblemAsync(await Http.PostAsJsonAsync($"/api/drivers/reservations/{key}/confirm", new { tripId = 1 }), HttpStatusCode.NotFound);
        await ProblemAsync(
            await Http.PostAsJsonAsync($"/api/drivers/reservations/{key}/complete", new { dropoff = new { latitude = 1, longitude = 1 } }), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task BadInput_Is400NamingTheField_AndReservesNothing()
    {
        var (lat, lng) = NewRegion();
        var driverId = await Api.CreateAvailableDriverAsync(lat, lng);
        var key = NewKey();

        Assert.Equal(["key"], await InvalidFieldsAsync(await Http.PutAsJsonAsync("/api/drivers/reservations/bad%20key", Pickup(lat, lng))));
        Assert.Equal(["key"], await InvalidFieldsAsync(await Http.PutAsJsonAsync($"/api/drivers/reservations/{new string('k', 101)}", Pickup(lat, lng))));
        Assert.Equal(["pickup"], await InvalidFieldsAsync(await Http.PutAsJsonAsync($"/api/drivers/reservations/{key}", new { })));
        Assert.Equal(["pickup.latitude"], await InvalidFieldsAsync(await Http.PutAsJsonAsync($"/api/drivers/reservations/{key}", Pickup(91, lng))));
        Assert.Equal(["pickup"], await InvalidFieldsAsync(await Http.PutAsJsonAsync($"/api/drivers/reservations/{key}", new { pickup = (object?)null })));
        Assert.Equal(["key"], await InvalidFieldsAsync(await Http.PutAsJsonAsync("/api/drivers/reservations/tab%09key", Pickup(lat, lng))));
        await ProblemAsync(await Http.GetAsync($"/api/drivers/reservations/{key}"), HttpStatusCode.NotFound);
        Assert.Equal("available", (await DriverAsync(driverId)).GetProperty("status").GetString());

        await ReadAsync(await ReserveAsync(key, lat, lng), HttpStatusCode.Created);
        Assert.Equal(["tripId"], await InvalidFieldsAsync(await Http.PostAsJsonAsync($"/api/drivers/reservations/{key}/confirm", new { })));
        Assert.Equal(["tripId"], await InvalidFieldsAsync(await Http.PostAsJsonAsync($"/api/drivers/reservations/{key}/confirm", new { tripId = (long?)null })));
        Assert.Equal(["tripId"], await InvalidFieldsAsync(await Http.PostAsJsonAsync($"/api/drivers/reservations/{key}/confirm", new { tripId = 0 })));
        var fields = await InvalidFieldsAsync(await Http.PostAsJsonAsync($"/api/drivers/reservations/{key}/complete", new { rating = 7 }));
        Assert.Equal(new HashSet<string> { "dropoff", "rating" }, fields);
        Assert.Equal("held", (await Api.GetAsync($"/api/drivers/reservations/{key}")).GetProperty("state").GetString());
    }
}

/// <summary>
/// Reservations under contention, on a target of its own (nearest-driver matching spans the whole map, so no other
/// test's drivers may be there): 50 simultaneous reservations for 10 available drivers.
/// </summary>
public abstract class ReservationConcurrencyContract(IContractTarget target)
{
    [Fact]
    public async Task FiftySimultaneousReservations_TenDrivers_ExactlyTenHeld_NoDriverTwice()
    {
        var (lat, lng) = NewRegion();
        var drivers = new HashSet<long>();
        for (var i = 0; i < 10; i++)
        {
            drivers.Add(await target.Api.CreateAvailableDriverAsync(lat + (i * 0.001m), lng));
        }

        using var start = new SemaphoreSlim(0);
        var requests = Enumerable.Range(0, 50).Select(async i =>
        {
            await start.WaitAsync();
            return await target.Client.PutAsJsonAsync($"/api/drivers/reservations/load-{i}", new { pickup = new { latitude = lat, longitude = lng } });
        }).ToList();
        start.Release(50);
        var responses = await Task.WhenAll(requests);

        var held = new List<long>();
        foreach (var response in responses)
        {
            if (response.StatusCode == HttpStatusCode.Created)
            {
                held.Add((await ReadAsync(response, HttpStatusCode.Created)).GetProperty("driverId").GetInt64());
            }
            else
            {
                var problem = await ProblemAsync(response, HttpStatusCode.Conflict);
                Assert.Contains("No driver is available", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
        }

        Assert.Equal(10, held.Count);
        Assert.Equal(drivers, held.ToHashSet());
        var available = await target.Api.GetAsync("/api/drivers?status=available&pageSize=100");
        Assert.Equal(0, available.GetProperty("total").GetInt64());
        var onTrip = await target.Api.GetAsync("/api/drivers?status=on_trip&pageSize=100");
        Assert.Equal(10, onTrip.GetProperty("total").GetInt64());
    }
}

public sealed class MonolithReservationsContract(MonolithTarget target) : ReservationsContract(target), IClassFixture<MonolithTarget>;

public sealed class DriversServiceReservationsContract(DriversServiceTarget target) : ReservationsContract(target), IClassFixture<DriversServiceTarget>;

public sealed class MonolithReservationConcurrency(MonolithTarget target) : ReservationConcurrencyContract(target), IClassFixture<MonolithTarget>;

public sealed class DriversServiceReservationConcurrency(DriversServiceTarget target) : ReservationConcurrencyContract(target), IClassFixture<DriversServiceTarget>;
