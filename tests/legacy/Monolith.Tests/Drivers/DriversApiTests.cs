using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using static Strangler.Testing.RideShareClient;

namespace RideShare.Monolith.Tests.Drivers;

public sealed class DriversApiTests(MonolithApp app) : IClassFixture<MonolithApp>
{
    private HttpClient Http => app.Client;

    [Fact]
    public async Task DeleteDriver_WithTrips_Returns409AndKeepsDriver()
    {
        var (lat, lng) = NewRegion();
        var driverId = await app.Api.CreateAvailableDriverAsync(lat, lng);
        var passengerId = await app.Api.CreatePassengerAsync();
        await ReadAsync(await app.Api.RequestTripAsync(passengerId, lat, lng), HttpStatusCode.Created);

        await ProblemAsync(await Http.DeleteAsync($"/api/drivers/{driverId}"), HttpStatusCode.Conflict);

        Assert.Equal("on_trip", (await app.Api.GetAsync($"/api/drivers/{driverId}")).GetProperty("status").GetString());
    }
}
