using System.Net;
using static Strangler.Testing.RideShareClient;

namespace RideShare.Services.Tests.Contract;

/// <summary>Many riders, few drivers, all at once: no driver may end up on two trips.</summary>
public abstract class TripAssignmentConcurrencyContract(IContractTarget target)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task RequestTrip_50ConcurrentRequestsFor10Drivers_Exactly10SucceedAnd40Get409(int round)
    {
        var (lat, lng) = NewRegion();
        var drivers = new HashSet<long>();
        for (var i = 0; i < 10; i++)
        {
            drivers.Add(await target.Api.CreateAvailableDriverAsync(lat + (i * 0.001m), lng));
        }

        var passengers = new List<long>();
        for (var i = 0; i < 50; i++)
        {
            passengers.Add(await target.Api.CreatePassengerAsync());
        }

        using var start = new SemaphoreSlim(0);
        var requests = passengers.Select(async p =>
        {
            await start.WaitAsync();
            return await target.Api.RequestTripAsync(p, lat, lng);
        }).ToList();
        start.Release(passengers.Count);
        var responses = await Task.WhenAll(requests);

        var created = responses.Where(r => r.StatusCode == HttpStatusCode.Created).ToList();
        Assert.True(created.Count == 10, $"round {round}: {created.Count} trips created, expected 10");
        Assert.Equal(40, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var assigned = new List<long>();
        foreach (var response in created)
        {
            assigned.Add((await ReadAsync(response, HttpStatusCode.Created)).GetProperty("driverId").GetInt64());
        }

        Assert.Equal(drivers, assigned.ToHashSet());
        Assert.Equal(10, assigned.Distinct().Count());
        foreach (var driver in drivers)
        {
            Assert.Equal("on_trip", (await target.Api.GetAsync($"/api/drivers/{driver}")).GetProperty("status").GetString());
            Assert.Equal(1, (await target.Api.GetAsync($"/api/trips?driverId={driver}")).GetProperty("total").GetInt64());
        }
    }
}
