using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Strangler.Testing;

namespace Strangler.Proxy.Tests.Safety;

public sealed class SafetyTests(SafetyStack stack) : IClassFixture<SafetyStack>
{
    private async Task WaitForHealthAsync(Uri destination, bool healthy) =>
        await Eventually.TrueAsync(async () =>
        {
            var health = (await stack.Proxy.GetJsonAsync("/admin/stats")).GetProperty("health");
            return health.TryGetProperty(destination.ToString().TrimEnd('/'), out var h) && h.GetBoolean() == healthy;
        }, $"{destination} {(healthy ? "healthy" : "unhealthy")}");

    [Fact]
    public async Task UnhealthyService_SafeRequestsFallBackToTheMonolith_UnsafeOnesGet503()
    {
        await using var fake = await FakeService.StartAsync(stack.LegacyAddress);
        await stack.Proxy.PutRouteAsync("fallback", new
        {
            path = "/api/passengers/{**rest}",
            destinations = new[] { fake.Address.ToString() },
            stage = "service",
            owner = "service",
        });
        await WaitForHealthAsync(fake.Address, healthy: true);

        fake.Unhealthy = true;
        await WaitForHealthAsync(fake.Address, healthy: false);
        using var get = await stack.Proxy.Public.GetAsync("/api/passengers?pageSize=1");
        using var post = await stack.Proxy.Public.PostAsJsonAsync("/api/passengers", new { fullName = "X", email = "x@example.com" });

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("legacy", get.Headers.GetValues("X-Strangler-Backend").Single());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, post.StatusCode);
        Assert.Equal("application/problem+json", post.Content.Headers.ContentType?.MediaType);

        fake.Unhealthy = false;
        await WaitForHealthAsync(fake.Address, healthy: true);
        using var recovered = await stack.Proxy.Public.GetAsync("/api/passengers?pageSize=1");
        Assert.Equal("service", recovered.Headers.GetValues("X-Strangler-Backend").Single());
        await stack.Proxy.Admin.DeleteAsync("/admin/routes/fallback");
    }

    [Fact]
    public async Task UnhealthyService_WithFallbackDisabled_SafeRequestsGet503Too()
    {
        await using var fake = await FakeService.StartAsync(stack.LegacyAddress);
        await stack.Proxy.PutRouteAsync("no-fallback", new
        {
            path = "/api/trips/{**rest}",
            destinations = new[] { fake.Address.ToString() },
            stage = "service",
            fallbackToLegacyWhenUnhealthy = false,
        });
        fake.Unhealthy = true;
        await WaitForHealthAsync(fake.Address, healthy: false);

        using var get = await stack.Proxy.Public.GetAsync("/api/trips?pageSize=1");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, get.StatusCode);
        await stack.Proxy.Admin.DeleteAsync("/admin/routes/no-fallback");
    }

    [Fact]
    public async Task Canary_ServiceErrorRateAboveThreshold_RollsBackToLegacy_AndAuditsIt()
    {
        await using var fake = await FakeService.StartAsync(stack.LegacyAddress);
        await stack.Proxy.PutRouteAsync("guarded", new { path = "/api/drivers/{**rest}", destinations = new[] { fake.Address.ToString() }, stage = "canary", weight = 100 });
        fake.FailWith = 500;

        var served = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            using var response = await stack.Proxy.Public.GetAsync("/api/drivers?pageSize=1");
            served.Add(response.Headers.GetValues("X-Strangler-Backend").Single());
        }

        await Eventually.TrueAsync(async () =>
            (await stack.Proxy.GetJsonAsync("/admin/routes/guarded")).GetProperty("stage").GetString() == "legacy", "automatic rollback");
        using var after = await stack.Proxy.Public.GetAsync("/api/drivers?pageSize=1");
        var audit = await stack.Proxy.GetJsonAsync("/admin/audit?limit=1");

        Assert.All(served, b => Assert.Equal("service", b));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal("legacy", after.Headers.GetValues("X-Strangler-Backend").Single());
        Assert.Equal("auto-rollback", audit[0].GetProperty("action").GetString());
        Assert.Equal(1, (await stack.Proxy.RouteStatsAsync("guarded")).GetProperty("autoRollbacks").GetInt64());
        Assert.Equal("canary-guard", audit[0].GetProperty("actor").GetString());
        Assert.Contains("error rate", audit[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        await stack.Proxy.Admin.DeleteAsync("/admin/routes/guarded");
    }

    [Fact]
    public async Task Canary_ErrorsBelowTheMinimumSample_DoNotRollBack()
    {
        await using var fake = await FakeService.StartAsync(stack.LegacyAddress);
        await stack.Proxy.PutRouteAsync("few-errors", new { path = "/readyz", destinations = new[] { fake.Address.ToString() }, stage = "canary", weight = 100 });
        fake.FailWith = 500;
        // One connection: Kestrel handles its requests one after another, so once the last (unmatched) request
        // is answered, the guard has seen all nine failures and made its decision.
        using var oneConnection = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = stack.Proxy.Public.BaseAddress };

        for (var i = 0; i < 9; i++)
        {
            (await oneConnection.GetAsync("/readyz")).Dispose();
        }

        (await oneConnection.GetAsync("/api/drivers?pageSize=1")).Dispose();
        var stats = await stack.Proxy.RouteStatsAsync("few-errors");
        var route = await stack.Proxy.GetJsonAsync("/admin/routes/few-errors");

        Assert.Equal(9, stats.GetProperty("backends").GetProperty("service").GetProperty("status").GetProperty("5xx").GetInt64());
        Assert.Equal(0, stats.GetProperty("autoRollbacks").GetInt64());
        Assert.Equal("canary", route.GetProperty("stage").GetString());
        await stack.Proxy.Admin.DeleteAsync("/admin/routes/few-errors");
    }

    [Fact]
    public async Task SlowService_BeyondTheRouteTimeout_Returns504Problem()
    {
        await using var fake = await FakeService.StartAsync(stack.LegacyAddress);
        fake.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await stack.Proxy.PutRouteAsync("slow", new { path = "/api/slow", methods = new[] { "POST" }, destinations = new[] { fake.Address.ToString() }, stage = "service", owner = "service", timeoutSeconds = 1 });

        using var response = await stack.Proxy.Public.PostAsync("/api/slow", null);
        fake.Gate.SetResult();
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal(504, problem.GetProperty("status").GetInt32());
        await stack.Proxy.Admin.DeleteAsync("/admin/routes/slow");
    }
}
