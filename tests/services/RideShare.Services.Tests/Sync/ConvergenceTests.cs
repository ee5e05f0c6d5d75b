using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RideShare.Drivers.Store;
using RideShare.Passengers.Store;
using static Strangler.Testing.RideShareClient;

namespace RideShare.Services.Tests.Sync;

/// <summary>
/// Writes through the monolith, concurrently, while both services sync: afterwards reconcile finds no drift, each
/// service answers every GET exactly like the monolith, and each row's count of applied changes equals the number
/// of changes legacy made to it (its version): nothing lost, nothing applied twice.
/// </summary>
public sealed class ConvergenceTests(SyncedStack stack) : IClassFixture<SyncedStack>
{
    [Fact]
    public async Task Snapshot_RowsCreatedBeforeTheServicesStarted_AreServedLikeTheMonolith()
    {
        await stack.CaughtUpAsync(stack.Drivers);
        await stack.CaughtUpAsync(stack.Passengers);

        for (var id = 1; id <= SyncedStack.SeededDrivers; id++)
        {
            Assert.Equal((await stack.Monolith.Api.GetAsync($"/api/drivers/{id}")).GetRawText(), (await stack.Drivers.Api.GetAsync($"/api/drivers/{id}")).GetRawText());
        }

        for (var id = 1; id <= SyncedStack.SeededPassengers; id++)
        {
            Assert.Equal((await stack.Monolith.Api.GetAsync($"/api/passengers/{id}")).GetRawText(), (await stack.Passengers.Api.GetAsync($"/api/passengers/{id}")).GetRawText());
        }
    }

    [Fact]
    public async Task ConcurrentWritesThroughTheMonolith_ConvergeWithoutDriftAndExactlyOnce()
    {
        var created = await Task.WhenAll(Enumerable.Range(0, 4).Select(writer => WriteStormAsync(writer, rounds: 15)));
        await stack.CaughtUpAsync(stack.Drivers);
        await stack.CaughtUpAsync(stack.Passengers);

        var drivers = stack.DriversReconciler(stack.Drivers.Services.GetRequiredService<DriverStore>());
        var passengers = stack.PassengersReconciler(stack.Passengers.Services.GetRequiredService<PassengerStore>());
        var driverReport = await drivers.RunAsync(repair: false, CancellationToken.None);
        var passengerReport = await passengers.RunAsync(repair: false, CancellationToken.None);
        Assert.True(driverReport.Drift.Count == 0, Describe(driverReport));
        Assert.True(passengerReport.Drift.Count == 0, Describe(passengerReport));
        Assert.Equal(driverReport.LegacyCount, driverReport.StoreCount);
        Assert.Equal(passengerReport.LegacyCount, passengerReport.StoreCount);

        var maxDriver = await Sql.ScalarAsync<long>(stack.LegacyConnectionString, "SELECT max(id) FROM drivers");
        for (var id = 1; id <= maxDriver; id++)
        {
            await SameAnswerAsync($"/api/drivers/{id}", stack.Drivers);
        }

        var maxPassenger = await Sql.ScalarAsync<long>(stack.LegacyConnectionString, "SELECT max(id) FROM passengers");
        for (var id = 1; id <= maxPassenger; id++)
        {
            await SameAnswerAsync($"/api/passengers/{id}", stack.Passengers);
        }

        await SameAnswerAsync("/api/drivers?status=available&pageSize=100", stack.Drivers);
        await SameAnswerAsync("/api/drivers?page=2&pageSize=7", stack.Drivers);
        await SameAnswerAsync("/api/passengers?page=3&pageSize=5", stack.Passengers);

        // Exactly once: every driver created during the storm took one change per version.
        var store = stack.Drivers.Services.GetRequiredService<DriverStore>();
        foreach (var id in created.SelectMany(c => c.Drivers))
        {
            if (await store.GetAsync(id) is { } record)
            {
                Assert.True(record.SyncApplied == record.Version, $"driver {id}: version {record.Version}, changes applied {record.SyncApplied}");
            }
        }

        var documents = stack.Passengers.Services.GetRequiredService<PassengerStore>();
        foreach (var id in created.SelectMany(c => c.Passengers))
        {
            if (await documents.GetAsync(id, CancellationToken.None) is { } document)
            {
                Assert.True(document.SyncApplied == document.Version, $"passenger {id}: version {document.Version}, changes applied {document.SyncApplied}, lsn {document.Lsn} snapshot {document.FromSnapshot}; {(await SyncedStack.StatusAsync(stack.Passengers)).GetRawText()}");
            }
        }
    }

    [Fact]
    public async Task WriteToAReplica_Returns409ProblemAndChangesNothing()
    {
        await stack.CaughtUpAsync(stack.Drivers);
        var before = (await stack.Drivers.Api.GetAsync("/api/drivers?pageSize=1")).GetProperty("total").GetInt64();

        var driverProblem = await ProblemAsync(await stack.Drivers.Client.PostAsJsonAsync("/api/drivers", DriverBody()), HttpStatusCode.Conflict);
        var passengerProblem = await ProblemAsync(await stack.Passengers.Client.DeleteAsync("/api/passengers/1"), HttpStatusCode.Conflict);

        Assert.Contains("monolith", driverProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("monolith", passengerProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, (await stack.Drivers.Api.GetAsync("/api/drivers?pageSize=1")).GetProperty("total").GetInt64());
        await stack.Passengers.Api.GetAsync("/api/passengers/1");
    }

    [Fact]
    public async Task SyncStatus_ReportsPositionLagCountsAndState()
    {
        await stack.Monolith.Api.CreateDriverAsync();
        await stack.CaughtUpAsync(stack.Drivers);

        var status = await SyncedStack.StatusAsync(stack.Drivers);
        var metrics = await stack.Drivers.Client.GetStringAsync("/metrics");

        Assert.Equal("streaming", status.GetProperty("state").GetString());
        Assert.True(status.GetProperty("eventsApplied").GetInt64() >= SyncedStack.SeededDrivers + 1);
        Assert.Equal(0, status.GetProperty("deadLetters").GetInt64());
        Assert.Equal(JsonValueKind.Number, status.GetProperty("lagMilliseconds").ValueKind);
        Assert.Matches("^[0-9A-F]+/[0-9A-F]+$", status.GetProperty("appliedLsnText").GetString()!);
        Assert.Contains("strangler_sync_events_applied_total{service=\"drivers\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("strangler_sync_state{service=\"drivers\",state=\"streaming\"} 1", metrics, StringComparison.Ordinal);
    }

    private static string Describe(Strangler.Cdc.Sync.Reconcile.ReconcileReport report)
    {
        using var text = new StringWriter();
        Strangler.Cdc.Sync.Reconcile.ReconcileCommand.Print(report, text);
        return text.ToString();
    }

    private async Task SameAnswerAsync(string path, ServiceTarget service)
    {
        var legacy = await stack.Monolith.Client.GetAsync(path);
        var extracted = await service.Client.GetAsync(path);
        Assert.Equal(legacy.StatusCode, extracted.StatusCode);
        if (legacy.StatusCode == HttpStatusCode.OK)
        {
            Assert.Equal(await legacy.Content.ReadAsStringAsync(), await extracted.Content.ReadAsStringAsync());
            Assert.Equal(legacy.Headers.ETag, extracted.Headers.ETag);
        }
    }

    /// <summary>One writer: creates drivers and passengers, moves drivers around, renames, deletes some.</summary>
    private async Task<(List<long> Drivers, List<long> Passengers)> WriteStormAsync(int writer, int rounds)
    {
        var api = stack.Monolith.Api;
        var http = stack.Monolith.Client;
        var drivers = new List<long>();
        var passengers = new List<long>();
        for (var round = 0; round < rounds; round++)
        {
            var driver = (await api.CreateDriverAsync()).GetProperty("id").GetInt64();
            drivers.Add(driver);
            await ReadAsync(await http.PutAsJsonAsync($"/api/drivers/{driver}/status",
                new { status = "available", location = new { latitude = 38.7m + (writer * 0.01m), longitude = -9.1m - (round * 0.001m) } }), HttpStatusCode.OK);
            await ReadAsync(await http.PutAsJsonAsync($"/api/drivers/{driver}/status", new { location = new { latitude = 38.71m, longitude = -9.2m } }), HttpStatusCode.OK);
            var passenger = await api.CreatePassengerAsync();
            passengers.Add(passenger);
            using (var rename = new HttpRequestMessage(HttpMethod.Put, $"/api/passengers/{passenger}")
            {
                Content = JsonContent.Create(new { fullName = $"Renamed {writer}/{round}", email = $"renamed.{Guid.NewGuid():N}@example.com", marketingOptIn = round % 2 == 0 }),
            })
            {
                rename.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
                await ReadAsync(await http.SendAsync(rename), HttpStatusCode.OK);
            }

            if (round % 5 == 4)
            {
                Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/drivers/{drivers[^2]}")).StatusCode);
                Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/passengers/{passengers[^2]}")).StatusCode);
            }
        }

        return (drivers, passengers);
    }
}
