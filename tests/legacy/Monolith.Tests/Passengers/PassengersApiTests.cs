using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using static Strangler.Testing.RideShareClient;

namespace RideShare.Monolith.Tests.Passengers;

public sealed class PassengersApiTests(MonolithApp app) : IClassFixture<MonolithApp>
{
    private HttpClient Http => app.Client;

    [Fact]
    public async Task DeletePassenger_WithTrips_Returns409()
    {
        var (lat, lng) = NewRegion();
        await app.Api.CreateAvailableDriverAsync(lat, lng);
        var passengerId = await app.Api.CreatePassengerAsync();
        await ReadAsync(await app.Api.RequestTripAsync(passengerId, lat, lng), HttpStatusCode.Created);

        await ProblemAsync(await Http.DeleteAsync($"/api/passengers/{passengerId}"), HttpStatusCode.Conflict);

        await app.Api.GetAsync($"/api/passengers/{passengerId}");
    }
}
