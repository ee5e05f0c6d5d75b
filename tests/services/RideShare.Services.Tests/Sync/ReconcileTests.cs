using Marten;
using Microsoft.Extensions.DependencyInjection;
using RideShare.Drivers.Store;
using RideShare.Passengers.Store;
using StackExchange.Redis;

namespace RideShare.Services.Tests.Sync;

/// <summary>
/// <c>reconcile</c> as a user runs it (the real command, a child process, beside the running services): no drift
/// after a clean sync; drift injected straight into a store is found, key by key with the differing fields; exit
/// code 2; <c>--repair</c> rewrites exactly those keys from legacy and the next run finds nothing.
/// </summary>
public sealed class ReconcileTests(SyncedStack stack) : IClassFixture<SyncedStack>
{
    [Fact]
    public async Task Drivers_InjectedDrift_IsReportedThenRepaired()
    {
        await stack.CaughtUpAsync(stack.Drivers);
        var clean = await RunAsync("RideShare.Drivers.dll", stack.DriversArgs("reconcile"));
        Assert.True(clean.Exit == 0, clean.Output);
        Assert.Contains("no drift", clean.Output, StringComparison.Ordinal);

        var redis = stack.Drivers.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        await redis.HashSetAsync("driver:3", "fullName", "Tampered Name");
        await redis.KeyDeleteAsync("driver:5");
        // Written straight into the store (not through the API, whose writes the reverse sync would carry to legacy).
        var store = stack.Drivers.Services.GetRequiredService<DriverStoreConnection>().CreateStore(outbox: false);
        var extra = (await store.GetAsync(1))! with { Id = 9_999, Email = "extra@example.com", LicenceNumber = "EXTRA-9999" };
        await store.WriteAsync(new DriverCommand('P', 9_999, null, null, false, extra));

        var drift = await RunAsync("RideShare.Drivers.dll", stack.DriversArgs("reconcile"));
        Assert.True(drift.Exit == 2, drift.Output);
        Assert.Contains("drift in 3 key(s)", drift.Output, StringComparison.Ordinal);
        Assert.Matches(@"different +3: fullName ""Test Driver"" in legacy, ""Tampered Name"" in the store", drift.Output);
        Assert.Matches(@"missing +5\b", drift.Output);
        Assert.Matches(@"extra +9999\b", drift.Output);

        var repair = await RunAsync("RideShare.Drivers.dll", stack.DriversArgs("reconcile", "--repair"));
        Assert.True(repair.Exit == 0, repair.Output);
        Assert.Contains("repaired 3 key(s) from legacy; no drift left", repair.Output, StringComparison.Ordinal);

        var after = await RunAsync("RideShare.Drivers.dll", stack.DriversArgs("reconcile"));
        Assert.True(after.Exit == 0, after.Output);
        foreach (var id in new[] { 3, 5 })
        {
            Assert.Equal((await stack.Monolith.Api.GetAsync($"/api/drivers/{id}")).GetRawText(), (await stack.Drivers.Api.GetAsync($"/api/drivers/{id}")).GetRawText());
        }

        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await stack.Drivers.Client.GetAsync("/api/drivers/9999")).StatusCode);
    }

    [Fact]
    public async Task Passengers_InjectedDrift_IsReportedThenRepaired()
    {
        await stack.CaughtUpAsync(stack.Passengers);
        var documents = stack.Passengers.Services.GetRequiredService<IDocumentStore>();
        await using (var session = documents.LightweightSession())
        {
            var tampered = (await session.LoadAsync<PassengerDocument>(4L))!;
            tampered.MarketingOptIn = !tampered.MarketingOptIn;
            session.Store(tampered);
            session.Delete<PassengerDocument>(6L);
            session.Store(new PassengerDocument { Id = 8_888, FullName = "Nobody", Email = "nobody@example.com", Version = 1 });
            await session.SaveChangesAsync();
        }

        var drift = await RunAsync("RideShare.Passengers.dll", stack.PassengersArgs("reconcile"));
        Assert.True(drift.Exit == 2, drift.Output);
        Assert.Matches(@"different +4: marketingOptIn false in legacy, true in the store", drift.Output);
        Assert.Matches(@"missing +6\b", drift.Output);
        Assert.Matches(@"extra +8888\b", drift.Output);

        var repair = await RunAsync("RideShare.Passengers.dll", stack.PassengersArgs("reconcile", "--repair"));
        Assert.True(repair.Exit == 0, repair.Output);

        var after = await RunAsync("RideShare.Passengers.dll", stack.PassengersArgs("reconcile"));
        Assert.True(after.Exit == 0, after.Output);
        Assert.Equal((await stack.Monolith.Api.GetAsync("/api/passengers/4")).GetRawText(), (await stack.Passengers.Api.GetAsync("/api/passengers/4")).GetRawText());
        Assert.Equal((await stack.Monolith.Api.GetAsync("/api/passengers/6")).GetRawText(), (await stack.Passengers.Api.GetAsync("/api/passengers/6")).GetRawText());
    }

    [Fact]
    public async Task UnknownOption_IsOneLineAndExitCode1()
    {
        var result = await RunAsync("RideShare.Drivers.dll", stack.DriversArgs("reconcile", "--fix"));

        Assert.Equal(1, result.Exit);
        Assert.Contains("error: unknown option '--fix' for reconcile", result.Errors, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output, string Errors)> RunAsync(string assembly, string[] args)
    {
        using var process = AppProcess.Start(assembly, args);
        await process.WaitForExitAsync();
        return (process.ExitCode, string.Join('\n', process.Lines), string.Join('\n', process.Errors));
    }
}
