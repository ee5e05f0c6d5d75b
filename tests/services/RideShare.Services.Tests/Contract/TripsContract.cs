using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using RideShare.Contracts.Values;
using RideShare.Contracts.Pricing;
using static Strangler.Testing.RideShareClient;

namespace RideShare.Services.Tests.Contract;

/// <summary>
/// The /api/trips contract (docs/api.md), one suite against the monolith and against the Trips service behind the
/// proxy (drivers and passengers still the monolith's, reached through the proxy), with the same assertions.
/// </summary>
public abstract class TripsContract(IContractTarget target)
{
    private HttpClient Http => target.Client;

    private RideShareClient Api => target.Api;

    private async Task<(long TripId, long DriverId, long PassengerId)> NewAssignedTripAsync()
    {
        var (lat, lng) = NewRegion();
        var driverId = await Api.CreateAvailableDriverAsync(lat, lng);
        var passengerId = await Api.CreatePassengerAsync();
        var trip = await ReadAsync(await Api.RequestTripAsync(passengerId, lat, lng), HttpStatusCode.Created);
        return (trip.GetProperty("id").GetInt64(), driverId, passengerId);
    }

    [Fact]
    public async Task RequestTrip_SeveralAvailableDrivers_AssignsTheNearestAndMarksItOnTrip()
    {
        var (lat, lng) = NewRegion();
        var far = await Api.CreateAvailableDriverAsync(lat + 0.05m, lng);
        var nearest = await Api.CreateAvailableDriverAsync(lat + 0.001m, lng + 0.001m);
        var middle = await Api.CreateAvailableDriverAsync(lat, lng + 0.01m);
        var passengerId = await Api.CreatePassengerAsync();

        var response = await Api.RequestTripAsync(passengerId, lat, lng);
        var trip = await ReadAsync(response, HttpStatusCode.Created);

        Assert.Equal(nearest, trip.GetProperty("driverId").GetInt64());
        Assert.Equal("assigned", trip.GetProperty("status").GetString());
        Assert.True(Guid.TryParse(trip.GetProperty("reference").GetString(), out _));
        Assert.Equal($"/api/trips/{trip.GetProperty("id").GetInt64()}", response.Headers.Location?.OriginalString);
        Assert.Equal("on_trip", (await Api.GetAsync($"/api/drivers/{nearest}")).GetProperty("status").GetString());
        Assert.Equal("available", (await Api.GetAsync($"/api/drivers/{far}")).GetProperty("status").GetString());
        Assert.Equal("available", (await Api.GetAsync($"/api/drivers/{middle}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task RequestTrip_WithWaypoints_DistanceFollowsTheWholeRoute()
    {
        var (lat, lng) = NewRegion();
        await Api.CreateAvailableDriverAsync(lat, lng);
        var passengerId = await Api.CreatePassengerAsync();
        var body = new
        {
            passengerId,
            pickup = new { latitude = lat, longitude = lng },
            dropoff = new { latitude = lat, longitude = lng + 0.02m },
            waypoints = new[] { new { latitude = lat + 0.01m, longitude = lng + 0.01m } },
            pickupAddress = "Rua Augusta 1",
        };

        var trip = await ReadAsync(await Http.PostAsJsonAsync("/api/trips", body), HttpStatusCode.Created);

        var direct = FareCalculator.RouteDistanceKm(new GeoPoint(lat, lng), [], new GeoPoint(lat, lng + 0.02m));
        var viaWaypoint = FareCalculator.RouteDistanceKm(new GeoPoint(lat, lng), [new GeoPoint(lat + 0.01m, lng + 0.01m)], new GeoPoint(lat, lng + 0.02m));
        Assert.Equal(viaWaypoint, trip.GetProperty("distanceKm").GetDecimal());
        Assert.True(viaWaypoint > direct);
        Assert.Equal(1, trip.GetProperty("waypoints").GetArrayLength());
        Assert.Equal("Rua Augusta 1", trip.GetProperty("pickupAddress").GetString());
        Assert.Equal(trip.GetRawText(), (await Api.GetAsync($"/api/trips/{trip.GetProperty("id").GetInt64()}")).GetRawText());
    }

    [Fact]
    public async Task RequestTrip_NoDriverAvailable_Returns409AndCreatesNoTrip()
    {
        var passengerId = await Api.CreatePassengerAsync();
        // Take every available driver off the road first: this class owns its database.
        var available = await Api.GetAsync("/api/drivers?status=available&pageSize=200");
        foreach (var driver in available.GetProperty("items").EnumerateArray())
        {
            await ReadAsync(await Http.PutAsJsonAsync($"/api/drivers/{driver.GetProperty("id").GetInt64()}/status", new { status = "offline" }), HttpStatusCode.OK);
        }

        var problem = await ProblemAsync(await Api.RequestTripAsync(passengerId, 10m, 10m), HttpStatusCode.Conflict);

        Assert.Contains("No driver", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await Api.GetAsync($"/api/trips?passengerId={passengerId}")).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task RequestTrip_UnknownPassenger_Returns404()
    {
        var (lat, lng) = NewRegion();

        var problem = await ProblemAsync(await Api.RequestTripAsync(987654321, lat, lng), HttpStatusCode.NotFound);

        Assert.Contains("passenger 987654321", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestTrip_InvalidBody_Returns400NamingEachField()
    {
        var fields = await InvalidFieldsAsync(await Http.PostAsJsonAsync("/api/trips", new
        {
            pickup = new { latitude = 100, longitude = 0 },
            waypoints = new object?[] { null, new { latitude = 1 } },
        }));

        Assert.Equal(new HashSet<string> { "passengerId", "pickup.latitude", "dropoff", "waypoints[0]", "waypoints[1].longitude" }, fields);
    }

    [Fact]
    public async Task RequestTrip_PassengerAlreadyOnActiveTrip_Returns409AndKeepsSecondDriverAvailable()
    {
        var (_, _, passengerId) = await NewAssignedTripAsync();
        var (lat, lng) = NewRegion();
        var spare = await Api.CreateAvailableDriverAsync(lat, lng);

        await ProblemAsync(await Api.RequestTripAsync(passengerId, lat, lng), HttpStatusCode.Conflict);

        Assert.Equal("available", (await Api.GetAsync($"/api/drivers/{spare}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task StartThenComplete_WithRating_SetsFareFreesDriverAtDropoffAndUpdatesRating()
    {
        var (tripId, driverId, _) = await NewAssignedTripAsync();

        var started = await ReadAsync(await Http.PostAsync($"/api/trips/{tripId}/start", null), HttpStatusCode.OK);
        var completed = await ReadAsync(await Http.PostAsJsonAsync($"/api/trips/{tripId}/complete", new { rating = 4 }), HttpStatusCode.OK);

        Assert.Equal("in_progress", started.GetProperty("status").GetString());
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        var fare = completed.GetProperty("fare").GetDecimal();
        // The default tariff, written out here rather than computed by the code under test.
        var minutes = (decimal)(completed.GetProperty("completedAt").GetDateTimeOffset() - completed.GetProperty("startedAt").GetDateTimeOffset()).TotalMinutes;
        var expected = Math.Max(5.00m, Math.Round(2.50m + (1.15m * completed.GetProperty("distanceKm").GetDecimal()) + (0.25m * minutes), 2, MidpointRounding.AwayFromZero));
        Assert.Equal(expected, fare);
        Assert.Equal(4, completed.GetProperty("rating").GetInt32());
        var driver = await Api.GetAsync($"/api/drivers/{driverId}");
        Assert.Equal("available", driver.GetProperty("status").GetString());
        Assert.Equal(4.00m, driver.GetProperty("rating").GetDecimal());
        Assert.Equal(1, driver.GetProperty("ratingCount").GetInt32());
        Assert.Equal(completed.GetProperty("dropoff").GetRawText(), driver.GetProperty("location").GetRawText());
    }

    [Fact]
    public async Task CompleteTrip_TwoRatings_AveragesDriverRating()
    {
        var (lat, lng) = NewRegion();
        var driverId = await Api.CreateAvailableDriverAsync(lat, lng);
        foreach (var rating in new[] { 5, 2 })
        {
            var passengerId = await Api.CreatePassengerAsync();
            var trip = await ReadAsync(await Api.RequestTripAsync(passengerId, lat, lng), HttpStatusCode.Created);
            Assert.Equal(driverId, trip.GetProperty("driverId").GetInt64());
            var tripId = trip.GetProperty("id").GetInt64();
            await ReadAsync(await Http.PostAsync($"/api/trips/{tripId}/start", null), HttpStatusCode.OK);
            await ReadAsync(await Http.PostAsJsonAsync($"/api/trips/{tripId}/complete", new { rating }), HttpStatusCode.OK);
            (lat, lng) = (trip.GetProperty("dropoff").GetProperty("latitude").GetDecimal(), trip.GetProperty("dropoff").GetProperty("longitude").GetDecimal());
        }

        var driver = await Api.GetAsync($"/api/drivers/{driverId}");

        Assert.Equal(3.50m, driver.GetProperty("rating").GetDecimal());
        Assert.Equal(2, driver.GetProperty("ratingCount").GetInt32());
    }

    [Fact]
    public async Task CompleteTrip_CancelledTrip_Returns409AndChangesNothing()
    {
        var (tripId, _, _) = await NewAssignedTripAsync();
        var cancelled = await ReadAsync(await Http.PostAsJsonAsync($"/api/trips/{tripId}/cancel", new { reason = "changed plans" }), HttpStatusCode.OK);

        await ProblemAsync(await Http.PostAsJsonAsync($"/api/trips/{tripId}/complete", new { rating = 5 }), HttpStatusCode.Conflict);

        Assert.Equal(cancelled.GetRawText(), (await Api.GetAsync($"/api/trips/{tripId}")).GetRawText());
    }

    [Fact]
    public async Task CompleteTrip_NotStarted_Returns409()
    {
        var (tripId, _, _) = await NewAssignedTripAsync();

        await ProblemAsync(await Http.PostAsync($"/api/trips/{tripId}/complete", null), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task CompleteTrip_RatingOutOfRange_Returns400AndTripStaysInProgress()
    {
        var (tripId, _, _) = await NewAssignedTripAsync();
        await ReadAsync(await Http.PostAsync($"/api/trips/{tripId}/start", null), HttpStatusCode.OK);

        var fields = await InvalidFieldsAsync(await Http.PostAsJsonAsync($"/api/trips/{tripId}/complete", new { rating = 6 }));

        Assert.Equal(new HashSet<string> { "rating" }, fields);
        Assert.Equal("in_progress", (await Api.GetAsync($"/api/trips/{tripId}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task CancelTrip_Assigned_FreesDriverAndRecordsReason()
    {
        var (tripId, driverId, _) = await NewAssignedTripAsync();

        var trip = await ReadAsync(await Http.PostAsJsonAsync($"/api/trips/{tripId}/cancel", new { reason = "Found another ride" }), HttpStatusCode.OK);

        Assert.Equal("cancelled", trip.GetProperty("status").GetString());
        Assert.Equal("Found another ride", trip.GetProperty("cancellationReason").GetString());
        Assert.Equal(JsonValueKind.Null, trip.GetProperty("fare").ValueKind);
        Assert.Equal("available", (await Api.GetAsync($"/api/drivers/{driverId}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task CancelTrip_InProgress_Returns409AndDriverStaysOnTrip()
    {
        var (tripId, driverId, _) = await NewAssignedTripAsync();
        await ReadAsync(await Http.PostAsync($"/api/trips/{tripId}/start", null), HttpStatusCode.OK);

        await ProblemAsync(await Http.PostAsync($"/api/trips/{tripId}/cancel", null), HttpStatusCode.Conflict);

        Assert.Equal("on_trip", (await Api.GetAsync($"/api/drivers/{driverId}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task StartTrip_StaleIfMatch_Returns412AndTripStaysAssigned()
    {
        var (tripId, _, _) = await NewAssignedTripAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/trips/{tripId}/start");
        request.Headers.IfMatch.Add(new EntityTagHeaderValue("\"9\""));

        await ProblemAsync(await Http.SendAsync(request), HttpStatusCode.PreconditionFailed);

        Assert.Equal("assigned", (await Api.GetAsync($"/api/trips/{tripId}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task ListTrips_ByPassengerDriverAndStatus_FiltersCombine()
    {
        var (tripId, driverId, passengerId) = await NewAssignedTripAsync();

        var byPassenger = await Api.GetAsync($"/api/trips?passengerId={passengerId}");
        var byDriverAssigned = await Api.GetAsync($"/api/trips?driverId={driverId}&status=assigned");
        var byDriverCompleted = await Api.GetAsync($"/api/trips?driverId={driverId}&status=completed");

        Assert.Equal(tripId, byPassenger.GetProperty("items")[0].GetProperty("id").GetInt64());
        Assert.Equal(1, byPassenger.GetProperty("total").GetInt64());
        Assert.Equal(1, byDriverAssigned.GetProperty("total").GetInt64());
        Assert.Equal(0, byDriverCompleted.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task ListTrips_UnknownStatus_Returns400()
    {
        var fields = await InvalidFieldsAsync(await Http.GetAsync("/api/trips?status=flying"));

        Assert.Equal(new HashSet<string> { "status" }, fields);
    }

    [Fact]
    public async Task GetTrip_Unknown_Returns404()
    {
        await ProblemAsync(await Http.GetAsync("/api/trips/424242424"), HttpStatusCode.NotFound);
        await ProblemAsync(await Http.PostAsync("/api/trips/424242424/start", null), HttpStatusCode.NotFound);
    }
}
