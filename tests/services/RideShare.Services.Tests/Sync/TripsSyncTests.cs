using System.Net;
using System.Net.Http.Json;
using RideShare.Services.Tests.Contract;
using static Strangler.Testing.RideShareClient;

namespace RideShare.Services.Tests.Sync;

/// <summary>The synced stack with the Trips service as a replica of legacy trips too.</summary>
public sealed class SyncedStackWithTrips : SyncedStack
{
    protected override bool StartTrips => true;
}

/// <summary>
/// While the monolith owns trips, the Trips service is a replica fed by its own slot: trips requested, started,
/// completed and cancelled through the monolith, concurrently, are served by the service exactly like the
/// monolith, reconcile finds no drift, each trip took one applied change per version; drift injected into the
/// trips database is found and repaired; writes to the replica are refused.
/// </summary>
public sealed class TripsSyncTests(SyncedStackWithTrips stack) : IClassFixture<SyncedStackWithTrips>
{
    [Fact]
    public async Task TripsThroughTheMonolith_ConvergeWithoutDriftAndExactlyOnce()
    {
        var trips = (await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => TripLifecyclesAsync(5)))).SelectMany(t => t).ToList();
        await stack.CaughtUpAsync(stack.Trips);

        var report = await stack.TripsReconciler().RunAsync(repair: false, CancellationToken.None);
        Assert.True(report.Drift.Count == 0, string.Join("; ", report.Drift.Select(d => $"{d.Kind} {d.Key}")));
        Assert.Equal(report.LegacyCount, report.StoreCount);
        Assert.True(report.LegacyCount >= trips.Count);
        foreach (var id in trips)
        {
            Assert.Equal((await stack.Monolith.Api.GetAsync($"/api/trips/{id}")).GetRawText(), (await stack.Trips.Api.GetAsync($"/api/trips/{id}")).GetRawText());
            var (version, applied) = await VersionAndAppliedAsync(id);
            Assert.True(version == applied, $"trip {id}: version {version}, changes applied {applied}");
        }

        Assert.Equal(
            (await stack.Monolith.Api.GetAsync("/api/trips?status=completed&pageSize=100")).GetRawText(),
            (await stack.Trips.Api.GetAsync("/api/trips?status=completed&pageSize=100")).GetRawText());
    }

    [Fact]
    public async Task DriftInjectedIntoTheTripsDatabase_IsFoundAndRepaired_ByTheReconcileCommand()
    {
        var trips = await TripLifecyclesAsync(3);
        await stack.CaughtUpAsync(stack.Trips);
        await Sql.ExecuteAsync(stack.TripsConnectionString, $"UPDATE trips SET fare = 999.99 WHERE id = {trips[0]}");
        await Sql.ExecuteAsync(stack.TripsConnectionString, $"DELETE FROM trips WHERE id = {trips[1]}");

        var drift = await RunAsync(stack.TripsArgs("reconcile"));
        var repair = await RunAsync(stack.TripsArgs("reconcile", "--repair"));
        var after = await RunAsync(stack.TripsArgs("reconcile"));

        Assert.True(drift.Exit == 2, drift.Output + drift.Errors);
        Assert.Matches($@"different +{trips[0]}: fare ", drift.Output);
        Assert.Matches($@"missing +{trips[1]}\b", drift.Output);
        Assert.True(repair.Exit == 0, repair.Output + repair.Errors);
        Assert.Contains("repaired 2 key(s) from legacy; no drift left", repair.Output, StringComparison.Ordinal);
        Assert.True(after.Exit == 0, after.Output + after.Errors);
        Assert.Contains("no drift", after.Output, StringComparison.Ordinal);
        Assert.Equal((await stack.Monolith.Api.GetAsync($"/api/trips/{trips[0]}")).GetRawText(), (await stack.Trips.Api.GetAsync($"/api/trips/{trips[0]}")).GetRawText());
        Assert.Equal((await stack.Monolith.Api.GetAsync($"/api/trips/{trips[1]}")).GetRawText(), (await stack.Trips.Api.GetAsync($"/api/trips/{trips[1]}")).GetRawText());
    }

    private static async Task<(int Exit, string Output, string Errors)> RunAsync(string[] args)
    {
        using var process = AppProcess.Start("RideShare.Trips.dll", args);
        await process.WaitForExitAsync();
        return (process.ExitCode, string.Join('\n', process.Lines), string.Join('\n', process.Errors));
    }

    [Fact]
    public async Task WriteToTheReplica_Is409_AndChangesNothing()
    {
        var trips = await TripLifecyclesAsync(1);
        await stack.CaughtUpAsync(stack.Trips);
        var before = (await stack.Trips.Api.GetAsync($"/api/trips/{trips[0]}")).GetRawText();

        var problem = await ProblemAsync(await stack.Trips.Client.PostAsJsonAsync("/api/trips", TripBody(1, 1m, 1m)), HttpStatusCode.Conflict);
        await ProblemAsync(await stack.Trips.Client.PostAsync($"/api/trips/{trips[0]}/cancel", null), HttpStatusCode.Conflict);

        Assert.Contains("read replica", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, (await stack.Trips.Api.GetAsync($"/api/trips/{trips[0]}")).GetRawText());
    }

    /// <summary>Trips through the monolith: requested, then started and completed, or cancelled, or left assigned.</summary>
    private async Task<List<long>> TripLifecyclesAsync(int count)
    {
        var api = stack.Monolith.Api;
        var http = stack.Monolith.Client;
        var ids = new List<long>();
        for (var i = 0; i < count; i++)
        {
            var (lat, lng) = NewRegion();
            await api.CreateAvailableDriverAsync(lat, lng);
            var passenger = await api.CreatePassengerAsync();
            var trip = await ReadAsync(await api.RequestTripAsync(passenger, lat, lng), HttpStatusCode.Created);
            var id = trip.GetProperty("id").GetInt64();
            ids.Add(id);
            switch (i % 3)
            {
                case 0:
                    await ReadAsync(await http.PostAsync($"/api/trips/{id}/start", null), HttpStatusCode.OK);
                    await ReadAsync(await http.PostAsJsonAsync($"/api/trips/{id}/complete", new { rating = 1 + (i % 5) }), HttpStatusCode.OK);
                    break;
                case 1:
                    await ReadAsync(await http.PostAsJsonAsync($"/api/trips/{id}/cancel", new { reason = $"reason {i}" }), HttpStatusCode.OK);
                    break;
            }
        }

        return ids;
    }

    private async Task<(int Version, int Applied)> VersionAndAppliedAsync(long id)
    {
        var version = await Sql.ScalarAsync<int>(stack.TripsConnectionString, $"SELECT version FROM trips WHERE id = {id}");
        var applied = await Sql.ScalarAsync<int>(stack.TripsConnectionString, $"SELECT sync_applied FROM trips WHERE id = {id}");
        return (version, applied);
    }
}
