using System.Net;
using System.Net.Http.Json;

namespace Strangler.Proxy.Tests.Routing;

public sealed class StageTests(StranglerStack stack) : IClassFixture<StranglerStack>
{
    [Fact]
    public async Task UnmatchedRequest_GoesToTheMonolith_WithBackendHeaderAndCorrelationId()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/drivers/424242");
        request.Headers.Add("X-Correlation-Id", "corr-through-proxy");

        using var response = await stack.Proxy.Public.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("legacy", response.Headers.GetValues("X-Strangler-Backend").Single());
        // The monolith echoes the id it received: the proxy forwarded it downstream.
        Assert.Equal("corr-through-proxy", response.Headers.GetValues("X-Correlation-Id").Single());
    }

    [Fact]
    public async Task ServiceStage_SendsEveryMatchingRequestToTheService_AndRollbackRestoresLegacy()
    {
        await stack.Proxy.PutRouteAsync("svc-drivers", new
        {
            path = "/api/drivers/{**rest}",
            methods = new[] { "GET", "POST", "PUT" },
            destinations = new[] { stack.ServiceAddress.ToString() },
            stage = "service",
            owner = "service",
        });

        using var created = await stack.Proxy.Public.PostAsJsonAsync("/api/drivers", new
        {
            fullName = "Via Proxy",
            email = $"via.{Guid.NewGuid():N}@example.com",
            licenceNumber = $"VP-{Random.Shared.Next(100000, 999999)}",
            licenceExpiresOn = "2031-01-01",
            vehicle = new { make = "Kia", model = "Niro", plate = "VP-00-01" },
        });
        using var read = await stack.Proxy.Public.GetAsync(created.Headers.Location);
        var rollback = await stack.Proxy.Admin.PostAsJsonAsync("/admin/routes/svc-drivers/rollback", new { reason = "test" });
        using var after = await stack.Proxy.Public.GetAsync(created.Headers.Location);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("service", created.Headers.GetValues("X-Strangler-Backend").Single());
        Assert.Equal("service", read.Headers.GetValues("X-Strangler-Backend").Single());
        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        Assert.Equal("legacy", after.Headers.GetValues("X-Strangler-Backend").Single());
        Assert.Equal(await read.Content.ReadAsStringAsync(), await after.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await stack.Proxy.Admin.DeleteAsync("/admin/routes/svc-drivers")).StatusCode);
    }

    [Fact]
    public async Task WritesFollowTheOwner_NotTheStage_AndOnlyTheHandoffChangesTheOwner()
    {
        await stack.Proxy.PutRouteAsync("owned-drivers", new
        {
            path = "/api/drivers/{**rest}",
            destinations = new[] { stack.ServiceAddress.ToString() },
            stage = "service",
        });

        using var read = await stack.Proxy.Public.GetAsync("/api/drivers?pageSize=1");
        using var write = await stack.Proxy.Public.PostAsJsonAsync("/api/drivers", new
        {
            fullName = "Owner Rule",
            email = $"owner.{Guid.NewGuid():N}@example.com",
            licenceNumber = $"OW-{Random.Shared.Next(100000, 999999)}",
            licenceExpiresOn = "2031-01-01",
            vehicle = new { make = "Kia", model = "Niro", plate = "OW-00-01" },
        });
        var takeOver = await stack.Proxy.Admin.PutAsJsonAsync("/admin/routes/owned-drivers",
            new { path = "/api/drivers/{**rest}", destinations = new[] { stack.ServiceAddress.ToString() }, stage = "service", owner = "service" });
        var keep = await stack.Proxy.Admin.PutAsJsonAsync("/admin/routes/owned-drivers",
            new { path = "/api/drivers/{**rest}", destinations = new[] { stack.ServiceAddress.ToString() }, stage = "canary", weight = 5 });
        var badOwner = await stack.Proxy.Admin.PutAsJsonAsync("/admin/routes/other", new { path = "/api/other", owner = "both" });

        Assert.Equal("service", read.Headers.GetValues("X-Strangler-Backend").Single());
        Assert.Equal(HttpStatusCode.Created, write.StatusCode);
        Assert.Equal("legacy", write.Headers.GetValues("X-Strangler-Backend").Single()); // owner defaults to legacy
        Assert.Equal(HttpStatusCode.Conflict, takeOver.StatusCode);
        Assert.Contains("POST /admin/routes/owned-drivers/owner", await takeOver.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, keep.StatusCode);
        Assert.Equal("legacy", (await stack.Proxy.GetJsonAsync("/admin/routes/owned-drivers")).GetProperty("owner").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, badOwner.StatusCode);
        Assert.Contains("owner must be one of legacy or service", await badOwner.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await stack.Proxy.Admin.DeleteAsync("/admin/routes/owned-drivers")).StatusCode);
    }

    [Fact]
    public async Task ARouteWrittenByItsService_KeepsItsReadsThere_UntilWritesGoBackOrARollback()
    {
        var service = new[] { stack.ServiceAddress.ToString() };
        var split = await stack.Proxy.Admin.PutAsJsonAsync("/admin/routes/svc-owned",
            new { path = "/api/svc-owned/{**rest}", destinations = service, stage = "canary", weight = 10, owner = "service" });
        Assert.Equal(HttpStatusCode.Conflict, split.StatusCode);
        Assert.Contains("reads move before writes", await split.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await stack.Proxy.Admin.GetAsync("/admin/routes/svc-owned")).StatusCode);

        await stack.Proxy.PutRouteAsync("svc-owned", new { path = "/api/svc-owned/{**rest}", destinations = service, stage = "service", owner = "service" });
        // ownerFence is the handoff's alone: whatever a body carries (null, text, past ulong) is ignored, never stored.
        foreach (var fence in new[] { "null", "\"0/1\"", "184467440737095516160", "-1" })
        {
            using var body = new StringContent(
                $$"""{"path":"/api/svc-owned/{**rest}","destinations":["{{service[0]}}"],"stage":"service","ownerFence":{{fence}}}""",
                System.Text.Encoding.UTF8, "application/json");
            var put = await stack.Proxy.Admin.PutAsync("/admin/routes/svc-owned", body);
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
            var stored = await stack.Proxy.GetJsonAsync("/admin/routes/svc-owned");
            Assert.True(!stored.TryGetProperty("ownerFence", out var kept) || kept.ValueKind == System.Text.Json.JsonValueKind.Null, stored.ToString());
        }

        var canary = await stack.Proxy.Admin.PostAsJsonAsync("/admin/routes/svc-owned/stage", new { stage = "canary", weight = 50 });
        var shadow = await stack.Proxy.Admin.PutAsJsonAsync("/admin/routes/svc-owned", new { path = "/api/svc-owned/{**rest}", destinations = service, stage = "shadow" });
        Assert.Equal(HttpStatusCode.Conflict, canary.StatusCode);
        Assert.Contains("POST /admin/routes/svc-owned/owner", await canary.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, shadow.StatusCode);
        Assert.Equal("service", (await stack.Proxy.GetJsonAsync("/admin/routes/svc-owned")).GetProperty("stage").GetString());

        // A rollback is never refused; from there, reads may move back toward the service.
        Assert.Equal(HttpStatusCode.OK, (await stack.Proxy.Admin.PostAsJsonAsync("/admin/routes/svc-owned/rollback", new { reason = "test" })).StatusCode);
        var rolledBack = await stack.Proxy.GetJsonAsync("/admin/routes/svc-owned");
        Assert.Equal("legacy", rolledBack.GetProperty("stage").GetString());
        Assert.Equal("service", rolledBack.GetProperty("owner").GetString());
        Assert.Equal(HttpStatusCode.OK, (await stack.Proxy.Admin.PostAsJsonAsync("/admin/routes/svc-owned/stage", new { stage = "canary", weight = 20 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await stack.Proxy.Admin.DeleteAsync("/admin/routes/svc-owned")).StatusCode);
    }

    [Fact]
    public async Task Handoff_WithoutTheLegacyDatabaseConfigured_IsRefusedAndChangesNothing()
    {
        await stack.Proxy.PutRouteAsync("unfenced", new { path = "/api/unfenced/{**rest}", destinations = new[] { stack.ServiceAddress.ToString() }, stage = "canary", weight = 10 });

        var response = await stack.Proxy.Admin.PostAsJsonAsync("/admin/routes/unfenced/owner", new { owner = "service" });
        var missing = await stack.Proxy.Admin.PostAsJsonAsync("/admin/routes/unfenced/owner", new { });
        var unknown = await stack.Proxy.Admin.PostAsJsonAsync("/admin/routes/nope/owner", new { owner = "service" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("Proxy:Handoff:LegacyConnectionString", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("legacy", (await stack.Proxy.GetJsonAsync("/admin/routes/unfenced")).GetProperty("owner").GetString());
        await stack.Proxy.Admin.DeleteAsync("/admin/routes/unfenced");
    }

    [Fact]
    public async Task RouteWithMethodsAndHeader_MatchesOnlyThoseRequests()
    {
        await stack.Proxy.PutRouteAsync("header-route", new
        {
            path = "/api/trips",
            methods = new[] { "GET" },
            header = new { name = "X-Tenant", value = "beta" },
            destinations = new[] { stack.ServiceAddress.ToString() },
            stage = "service",
        });
        using var beta = new HttpRequestMessage(HttpMethod.Get, "/api/trips?pageSize=1");
        beta.Headers.Add("X-Tenant", "beta");
        using var other = new HttpRequestMessage(HttpMethod.Get, "/api/trips?pageSize=1");
        other.Headers.Add("X-Tenant", "alpha");

        using var betaResponse = await stack.Proxy.Public.SendAsync(beta);
        using var otherResponse = await stack.Proxy.Public.SendAsync(other);

        Assert.Equal("service", betaResponse.Headers.GetValues("X-Strangler-Backend").Single());
        Assert.Equal("legacy", otherResponse.Headers.GetValues("X-Strangler-Backend").Single());
        await stack.Proxy.Admin.DeleteAsync("/admin/routes/header-route");
    }

    [Fact]
    public async Task Stats_AfterTraffic_CountRequestsPerBackendWithLatencyAndPrometheusLines()
    {
        await stack.Proxy.PutRouteAsync("stats-route", new { path = "/readyz", destinations = new[] { stack.ServiceAddress.ToString() }, stage = "service" });
        for (var i = 0; i < 5; i++)
        {
            (await stack.Proxy.Public.GetAsync("/readyz")).Dispose();
        }

        var stats = await stack.Proxy.RouteStatsAsync("stats-route");
        var metrics = await stack.Proxy.Admin.GetStringAsync("/metrics");

        var service = stats.GetProperty("backends").GetProperty("service");
        Assert.Equal(5, service.GetProperty("requests").GetInt64());
        Assert.Equal(5, service.GetProperty("status").GetProperty("2xx").GetInt64());
        Assert.True(service.GetProperty("latencyMs").GetProperty("p99").GetDouble() > 0);
        Assert.Contains("strangler_requests_total{route=\"stats-route\",backend=\"service\",status_class=\"2xx\"} 5", metrics, StringComparison.Ordinal);
        Assert.Contains("strangler_route_stage{route=\"stats-route\",stage=\"service\"} 1", metrics, StringComparison.Ordinal);
        await stack.Proxy.Admin.DeleteAsync("/admin/routes/stats-route");
    }
}
