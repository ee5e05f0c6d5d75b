using System.Net;
using System.Text.Json.Nodes;
using Strangler.Testing;

namespace Strangler.Proxy.Tests.Shadowing;

public sealed class ShadowTests(StranglerStack stack) : IClassFixture<StranglerStack>
{
    private async Task<long> DriverIdAsync(string emailPrefix = "shadow")
    {
        // Created through the monolith directly: the data both sides will read.
        using var legacy = new HttpClient { BaseAddress = stack.LegacyAddress };
        var response = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(legacy, "/api/drivers", new
        {
            fullName = "Shadow Driver",
            email = $"{emailPrefix}.{Guid.NewGuid():N}@example.com",
            licenceNumber = $"SH-{Guid.NewGuid():N}"[..14],
            licenceExpiresOn = "2031-01-01",
            vehicle = new { make = "Kia", model = "Niro", plate = "SH-00-01" },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return long.Parse(response.Headers.Location!.OriginalString.Split('/')[^1]);
    }

    private async Task<System.Text.Json.JsonElement> ShadowStatsAsync(string route) =>
        (await stack.Proxy.RouteStatsAsync(route)).GetProperty("shadow");

    [Fact]
    public async Task Shadow_ServiceWithTheSameContractAndData_CountsMatches()
    {
        await stack.Proxy.PutRouteAsync("shadow-same", new { path = "/api/drivers/{id}", destinations = new[] { stack.ServiceAddress.ToString() }, stage = "shadow" });
        var id = await DriverIdAsync();

        for (var i = 0; i < 5; i++)
        {
            using var response = await stack.Proxy.Public.GetAsync($"/api/drivers/{id}");
            Assert.Equal("legacy", response.Headers.GetValues("X-Strangler-Backend").Single());
        }

        await Eventually.TrueAsync(async () => (await ShadowStatsAsync("shadow-same")).GetProperty("matches").GetInt64() == 5, "5 shadow matches");
        Assert.Equal(0, (await ShadowStatsAsync("shadow-same")).GetProperty("mismatches").GetInt64());
        await stack.Proxy.Admin.DeleteAsync("/admin/routes/shadow-same");
    }

    [Fact]
    public async Task Shadow_DifferencesOnlyInIgnoredFieldsOrNumberFormat_Match_OtherDifferencesAreMismatchesWithTheirPath()
    {
        await using var fake = await FakeService.StartAsync(stack.LegacyAddress);
        fake.Alter = json =>
        {
            json["updatedAt"] = "2000-01-01T00:00:00+00:00"; // ignored field
            json["version"] = JsonValue.Create(json["version"]!.GetValue<int>() + 0.0m); // same value, written "1.0"
            if (json["email"]!.GetValue<string>().StartsWith("mismatch", StringComparison.Ordinal))
            {
                json["fullName"] = "Someone Else";
            }

            return json;
        };
        await stack.Proxy.PutRouteAsync("shadow-diff", new
        {
            path = "/api/drivers/{id}",
            destinations = new[] { fake.Address.ToString() },
            stage = "shadow",
            shadow = new { methods = new[] { "GET" }, ignoredFields = new[] { "updatedAt" } },
        });
        var matching = await DriverIdAsync();
        var mismatching = await DriverIdAsync("mismatch");
        (await stack.Proxy.Public.GetAsync($"/api/drivers/{matching}")).Dispose();
        (await stack.Proxy.Public.GetAsync($"/api/drivers/{mismatching}")).Dispose();

        await Eventually.TrueAsync(async () =>
        {
            var s = await ShadowStatsAsync("shadow-diff");
            return s.GetProperty("matches").GetInt64() + s.GetProperty("mismatches").GetInt64() == 2;
        }, "two shadow comparisons");
        var stats = await ShadowStatsAsync("shadow-diff");
        Assert.Equal(1, stats.GetProperty("matches").GetInt64());
        Assert.Equal(1, stats.GetProperty("mismatches").GetInt64());
        var sample = stats.GetProperty("samples")[0];
        Assert.Equal($"/api/drivers/{mismatching}", sample.GetProperty("pathAndQuery").GetString());
        Assert.Contains(sample.GetProperty("differences").EnumerateArray(), d => d.GetString()!.StartsWith("$.fullName:", StringComparison.Ordinal));
        Assert.DoesNotContain(sample.GetProperty("differences").EnumerateArray(), d => d.GetString()!.Contains("updatedAt", StringComparison.Ordinal));
        await stack.Proxy.Admin.DeleteAsync("/admin/routes/shadow-diff");
    }

    [Fact]
    public async Task Shadow_SlowService_ClientGetsTheMonolithsAnswerWithoutWaiting()
    {
        await using var fake = await FakeService.StartAsync(stack.LegacyAddress);
        fake.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await stack.Proxy.PutRouteAsync("shadow-slow", new { path = "/api/passengers/{id}", destinations = new[] { fake.Address.ToString() }, stage = "shadow" });
        // The shadow copy reaches the service and hangs there until released below: if the proxy waited
        // for it, this request could not complete.
        using var response = await stack.Proxy.Public.GetAsync("/api/passengers/987654").WaitAsync(TimeSpan.FromSeconds(30));
        await fake.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(fake.Gate.Task.IsCompleted);
        fake.Gate.SetResult();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("legacy", response.Headers.GetValues("X-Strangler-Backend").Single());
        await Eventually.TrueAsync(async () => (await ShadowStatsAsync("shadow-slow")).GetProperty("mismatches").GetInt64() == 1, "the late shadow answer compared");
        await stack.Proxy.Admin.DeleteAsync("/admin/routes/shadow-slow");
    }

    [Fact]
    public async Task Shadow_FailingService_IsInvisibleToTheClientAndCountedAsAMismatch()
    {
        await using var fake = await FakeService.StartAsync(stack.LegacyAddress);
        await stack.Proxy.PutRouteAsync("shadow-fail", new { path = "/api/trips/{id}", destinations = new[] { fake.Address.ToString() }, stage = "shadow" });
        fake.FailWith = 500; // after the route exists, so health still sees it healthy for this request

        using var response = await stack.Proxy.Public.GetAsync("/api/trips/987654");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("legacy", response.Headers.GetValues("X-Strangler-Backend").Single());
        await Eventually.TrueAsync(async () =>
        {
            var s = await ShadowStatsAsync("shadow-fail");
            return s.GetProperty("mismatches").GetInt64() + s.GetProperty("serviceErrors").GetInt64() >= 1;
        }, "the failed shadow copy counted");
        await stack.Proxy.Admin.DeleteAsync("/admin/routes/shadow-fail");
    }
}
