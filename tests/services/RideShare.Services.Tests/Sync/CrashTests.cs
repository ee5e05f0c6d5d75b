using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using RideShare.Drivers.Store;
using RideShare.Passengers.Hosting;
using RideShare.Passengers.Store;
using StackExchange.Redis;
using static Strangler.Testing.RideShareClient;

namespace RideShare.Services.Tests.Sync;

/// <summary>The stack with both services left for the test to run as child processes it can kill.</summary>
public sealed class CrashStack : SyncedStack
{
    protected override bool StartDrivers => false;

    protected override bool StartPassengers => false;
}

/// <summary>
/// Both services SIGKILLed again and again while a write storm runs through the monolith, with small batches so the
/// kills land mid-batch; each restarts on its own store and slot. Afterwards nothing is lost (reconcile: no drift)
/// and nothing was applied twice (each row's count of applied changes equals its number of legacy changes).
/// </summary>
public sealed class CrashTests(CrashStack stack) : IClassFixture<CrashStack>
{
    private const int Kills = 3;

    [Fact]
    public async Task KilledMidBatchDuringAWriteStorm_NothingLostNothingAppliedTwice()
    {
        var drivers = new ChildService("RideShare.Drivers.dll", stack.DriversArgs("serve", "--Sync:MaxBatchSize=8"));
        var passengers = new ChildService("RideShare.Passengers.dll", stack.PassengersArgs("serve", "--Sync:MaxBatchSize=8"));
        try
        {
            await drivers.StartAsync();
            await passengers.StartAsync();
            using var storm = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 3).Select(w => StormAsync(w, storm.Token)).ToList();

            for (var kill = 0; kill < Kills; kill++)
            {
                foreach (var service in new[] { drivers, passengers })
                {
                    // Mid-stream: the service is applying the storm when it dies.
                    var applied = await service.EventsAppliedAsync();
                    await Eventually.TrueAsync(async () => await service.EventsAppliedAsync() > applied + 8, "the service applying the storm", 60_000);
                    await service.KillAndRestartAsync();
                }
            }

            await storm.CancelAsync();
            var created = (await Task.WhenAll(writers)).SelectMany(w => w).ToList();
            Assert.True(created.Count > 20, $"the storm wrote only {created.Count} drivers");
            var lsn = await stack.LegacyLsnAsync();
            await drivers.CaughtUpAsync(lsn);
            await passengers.CaughtUpAsync(lsn);

            // Nothing lost.
            using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{await File.ReadAllTextAsync(Path.Combine(stack.DriversFolder.Path, "garnet.port"))}");
            var driverStore = new DriverStore(redis);
            using var documents = await PassengersApp.OpenDocumentStoreAsync(stack.PassengersConnectionString, CancellationToken.None);
            var passengerStore = new PassengerStore(documents);
            var driverReport = await stack.DriversReconciler(driverStore).RunAsync(repair: false, CancellationToken.None);
            var passengerReport = await stack.PassengersReconciler(passengerStore).RunAsync(repair: false, CancellationToken.None);
            Assert.Empty(driverReport.Drift);
            Assert.Empty(passengerReport.Drift);
            Assert.Equal(driverReport.LegacyCount, driverReport.StoreCount);
            Assert.Equal(passengerReport.LegacyCount, passengerReport.StoreCount);

            // Nothing applied twice: one applied change per legacy change (each write bumps the version by one).
            foreach (var id in created)
            {
                var record = await driverStore.GetAsync(id);
                Assert.NotNull(record);
                Assert.True(record.SyncApplied == record.Version, $"driver {id}: version {record.Version}, changes applied {record.SyncApplied}");
            }

            var allPassengers = await passengerStore.RangeAsync(SyncedStack.SeededPassengers, null, CancellationToken.None);
            Assert.NotEmpty(allPassengers);
            Assert.All(allPassengers, p => Assert.True(p.SyncApplied == p.Version, $"passenger {p.Id}: version {p.Version}, changes applied {p.SyncApplied}"));
            Assert.Equal(0, (await drivers.StatusAsync()).GetProperty("deadLetters").GetInt64());
        }
        finally
        {
            drivers.Dispose();
            passengers.Dispose();
        }
    }

    /// <summary>A writer until cancelled: creates drivers and passengers, moves the drivers, renames the passengers.</summary>
    private async Task<List<long>> StormAsync(int writer, CancellationToken stop)
    {
        var created = new List<long>();
        var http = stack.Monolith.Client;
        for (var round = 0; !stop.IsCancellationRequested; round++)
        {
            var id = (await stack.Monolith.Api.CreateDriverAsync()).GetProperty("id").GetInt64();
            created.Add(id);
            for (var move = 0; move < 3; move++)
            {
                await ReadAsync(await http.PutAsJsonAsync($"/api/drivers/{id}/status",
                    new { status = move % 2 == 0 ? "available" : "offline", location = new { latitude = 38.7m + (writer * 0.01m), longitude = -9.1m - (move * 0.001m) } }, CancellationToken.None), HttpStatusCode.OK);
            }

            var passenger = await stack.Monolith.Api.CreatePassengerAsync();
            using var rename = new HttpRequestMessage(HttpMethod.Put, $"/api/passengers/{passenger}")
            {
                Content = JsonContent.Create(new { fullName = $"Storm {writer}/{round}", email = $"storm.{Guid.NewGuid():N}@example.com" }),
            };
            rename.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"1\""));
            await ReadAsync(await http.SendAsync(rename, CancellationToken.None), HttpStatusCode.OK);
        }

        return created;
    }

    /// <summary>A service run as a child process on a fixed port, killed with SIGKILL and started again on the same store.</summary>
    private sealed class ChildService(string assembly, string[] args) : IDisposable
    {
        private readonly int _port = Ports.Free();
        private readonly HttpClient _http = new();
        private AppProcess? _process;

        public async Task StartAsync()
        {
            _process = AppProcess.Start(assembly, [.. args, $"--urls=http://127.0.0.1:{_port}"]); // the last --urls wins
            _http.BaseAddress ??= new Uri($"http://127.0.0.1:{_port}");
            try
            {
                await StreamingAsync();
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"{e.Message} Its output:\n{string.Join('\n', _process.Lines)}\n{string.Join('\n', _process.Errors)}", e);
            }
        }

        private async Task StreamingAsync()
        {
            var process = _process!;
            await Eventually.TrueAsync(async () =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"{assembly} exited ({process.ExitCode}): {string.Join('\n', process.Errors)}");
                }

                try
                {
                    return (await StatusAsync()).GetProperty("state").GetString() == "streaming";
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, $"{assembly} streaming", 60_000);
        }

        public async Task KillAndRestartAsync()
        {
            await _process!.KillHardAsync();
            _process.Dispose();
            await StartAsync();
        }

        public async Task<JsonElement> StatusAsync() => await _http.GetFromJsonAsync<JsonElement>("/sync/status");

        public async Task<long> EventsAppliedAsync() => (await StatusAsync()).GetProperty("eventsApplied").GetInt64();

        public async Task CaughtUpAsync(ulong lsn) =>
            await Eventually.TrueAsync(async () => (await StatusAsync()).GetProperty("appliedLsn").GetUInt64() >= lsn, $"{assembly} applying legacy up to {lsn}", 120_000);

        public void Dispose()
        {
            _process?.Dispose();
            _http.Dispose();
        }
    }
}
