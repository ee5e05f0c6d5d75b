using System.Net;
using Strangler.Testing;

namespace Strangler.Proxy.Tests.Safety;

/// <summary>A service that fails every request costs few client errors, on default settings (passive threshold 5).</summary>
public sealed class FailingServiceTests(StranglerStack stack) : IClassFixture<StranglerStack>
{
    private async Task<string> StageAsync(string id) => (await stack.Proxy.GetJsonAsync($"/admin/routes/{id}")).GetProperty("stage").GetString()!;

    [Fact]
    public async Task Canary_ServiceFailingEveryRequest_RollsBackAfterAtMostFiveClientErrors()
    {
        await using var failing = await FakeService.StartAsync(stack.LegacyAddress);
        failing.FailWith = 500;
        await stack.Proxy.PutRouteAsync("failing-canary", new { path = "/api/drivers/{**rest}", destinations = new[] { failing.Address.ToString() } });
        await stack.Proxy.SetStageAsync("failing-canary", "canary", 100);

        var clientErrors = 0;
        for (var i = 0; i < 60; i++)
        {
            using var response = await stack.Proxy.Public.GetAsync("/api/drivers?pageSize=1");
            clientErrors += (int)response.StatusCode >= 500 ? 1 : 0;
        }

        await Eventually.TrueAsync(async () => await StageAsync("failing-canary") == "legacy", "the automatic rollback");
        Assert.InRange(clientErrors, 1, 5);
        Assert.Equal(1, (await stack.Proxy.RouteStatsAsync("failing-canary")).GetProperty("autoRollbacks").GetInt64());
        var audit = await stack.Proxy.GetJsonAsync("/admin/audit?limit=1");
        Assert.Equal("canary-guard", audit[0].GetProperty("actor").GetString());
    }

    [Fact]
    public async Task ReadmittedAfterEjection_TheFirstFailureEjectsAgain()
    {
        await using var failing = await FakeService.StartAsync(stack.LegacyAddress);
        failing.FailWith = 500;
        await stack.Proxy.PutRouteAsync("probation", new { path = "/api/passengers/{**rest}", destinations = new[] { failing.Address.ToString() }, stage = "service" });
        async Task<string> BackendAsync()
        {
            using var response = await stack.Proxy.Public.GetAsync("/api/passengers?pageSize=1");
            return response.Headers.GetValues("X-Strangler-Backend").Single();
        }

        var failures = 0;
        while (await BackendAsync() == "service")
        {
            failures++;
            Assert.True(failures <= 5, "ejected after 5 consecutive failures");
        }

        Assert.Equal(5, failures);
        // /healthz still answers, so the next probe re-admits it...
        await Eventually.TrueAsync(async () => await BackendAsync() == "service", "re-admission by the probe");
        // ...on probation: that one failure was enough to eject it again.
        Assert.Equal("legacy", await BackendAsync());
        await stack.Proxy.Admin.DeleteAsync("/admin/routes/probation");
    }

    [Fact]
    public async Task ClientsGivingUp_AreNotTheServicesFailures_NoEjectionNoRollback()
    {
        // A burst of clients disconnecting while the service works on their requests (users closing the app, a load
        // generator stopping) once counted as service failures: five in a row ejected a healthy service and rolled
        // its canary back.
        await using var slow = await FakeService.StartAsync(stack.LegacyAddress);
        slow.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await stack.Proxy.PutRouteAsync("abandoned", new { path = "/api/trips/{**rest}", destinations = new[] { slow.Address.ToString() } });
        await stack.Proxy.SetStageAsync("abandoned", "canary", 100);

        for (var i = 0; i < 12; i++)
        {
            var reached = slow.Requests;
            using var giveUp = new CancellationTokenSource();
            var request = stack.Proxy.Public.GetAsync("/api/trips?pageSize=1", giveUp.Token);
            await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref slow.Requests) > reached), "the request to reach the service");
            await giveUp.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        }

        await Eventually.TrueAsync(async () =>
            (await stack.Proxy.RouteStatsAsync("abandoned")).GetProperty("backends").TryGetProperty("service", out var s) && s.GetProperty("requests").GetInt64() == 12,
            "the proxy to record the 12 abandoned requests");
        slow.Gate.TrySetResult();

        var stats = await stack.Proxy.RouteStatsAsync("abandoned");
        var service = stats.GetProperty("backends").GetProperty("service");
        Assert.Equal(12, service.GetProperty("status").GetProperty("4xx").GetInt64()); // 499: client closed request
        Assert.Equal(0, service.GetProperty("status").GetProperty("5xx").GetInt64());
        Assert.Equal(0, service.GetProperty("transportErrors").GetInt64());
        Assert.Equal(0, stats.GetProperty("autoRollbacks").GetInt64());
        Assert.Equal("canary", await StageAsync("abandoned"));
        Assert.True((await stack.Proxy.GetJsonAsync("/admin/stats")).GetProperty("health").GetProperty(slow.Address.ToString().TrimEnd('/')).GetBoolean());
        using var served = await stack.Proxy.Public.GetAsync("/api/trips?pageSize=1");
        Assert.Equal("service", served.Headers.GetValues("X-Strangler-Backend").Single());
    }
}
