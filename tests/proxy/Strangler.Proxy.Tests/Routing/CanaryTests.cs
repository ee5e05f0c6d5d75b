using System.Net;

namespace Strangler.Proxy.Tests.Routing;

public sealed class CanaryTests(StranglerStack stack) : IClassFixture<StranglerStack>
{
    private static async Task<string> BackendForAsync(HttpClient client, string path, string? user)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (user is not null)
        {
            request.Headers.Add("X-User-Id", user);
        }

        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("X-Strangler-Backend").Single();
    }

    private async Task<Dictionary<string, string>> BackendsForUsersAsync(string path, IReadOnlyList<string> users)
    {
        var results = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (user, _) =>
            results[user] = await BackendForAsync(stack.Proxy.Public, path, user));
        return new Dictionary<string, string>(results);
    }

    private async Task RouteAsync(string id, string path, string stage, int weight = 0) =>
        await stack.Proxy.PutRouteAsync(id, new { path, destinations = new[] { stack.ServiceAddress.ToString() }, stage, weight });

    [Fact]
    public async Task Canary25_10000DistinctUsers_ServiceShareWithin2PointsAndEveryUserSticky()
    {
        await RouteAsync("canary-split", "/healthz", "canary", 25);
        var users = Enumerable.Range(0, 10_000).Select(i => $"user-{i}").ToList();

        var first = await BackendsForUsersAsync("/healthz", users);
        var sample = users.Where((_, i) => i % 10 == 0).ToList();
        var again = await BackendsForUsersAsync("/healthz", sample);

        var share = first.Values.Count(b => b == "service") / (double)users.Count;
        Assert.InRange(share, 0.23, 0.27);
        Assert.All(sample, u => Assert.Equal(first[u], again[u]));
    }

    [Fact]
    public async Task RaisingTheWeight_NeverMovesAUserFromServiceBackToLegacy()
    {
        await RouteAsync("canary-raise", "/readyz", "canary", 10);
        var users = Enumerable.Range(0, 2_000).Select(i => $"raise-{i}").ToList();
        var previous = await BackendsForUsersAsync("/readyz", users);

        foreach (var weight in new[] { 30, 60, 90 })
        {
            await stack.Proxy.SetStageAsync("canary-raise", "canary", weight);
            var now = await BackendsForUsersAsync("/readyz", users);
            Assert.All(users.Where(u => previous[u] == "service"), u => Assert.Equal("service", now[u]));
            Assert.InRange(now.Values.Count(b => b == "service") / 2000.0, (weight - 4) / 100.0, (weight + 4) / 100.0);
            previous = now;
        }
    }

    [Fact]
    public async Task WithoutUserHeader_ProxySetsCohortCookie_AndTheCookieKeepsTheBackend()
    {
        await RouteAsync("canary-cookie", "/api/passengers/{**rest}", "canary", 50);
        var backends = new List<string>();
        for (var client = 0; client < 40; client++)
        {
            using var handler = new HttpClientHandler { CookieContainer = new CookieContainer() };
            using var http = new HttpClient(handler) { BaseAddress = stack.Proxy.Public.BaseAddress };
            using var first = await http.GetAsync("/api/passengers/1");
            Assert.Contains(first.Headers.GetValues("Set-Cookie"), c => c.StartsWith("strangler-cohort=", StringComparison.Ordinal));
            var backend = first.Headers.GetValues("X-Strangler-Backend").Single();
            for (var i = 0; i < 3; i++)
            {
                using var next = await http.GetAsync("/api/passengers/1");
                Assert.Equal(backend, next.Headers.GetValues("X-Strangler-Backend").Single());
                Assert.False(next.Headers.Contains("Set-Cookie"));
            }

            backends.Add(backend);
        }

        Assert.Contains("service", backends);
        Assert.Contains("legacy", backends);
    }

    [Fact]
    public async Task ForceHeader_AtCanaryWeightZero_ServesFromService()
    {
        await RouteAsync("canary-force", "/api/trips/{**rest}", "canary", 0);
        using var forced = new HttpRequestMessage(HttpMethod.Get, "/api/trips/1");
        forced.Headers.Add("X-Strangler-Force", "service");

        using var response = await stack.Proxy.Public.SendAsync(forced);
        using var plain = await stack.Proxy.Public.GetAsync("/api/trips/1");

        Assert.Equal("service", response.Headers.GetValues("X-Strangler-Backend").Single());
        Assert.Equal("legacy", plain.Headers.GetValues("X-Strangler-Backend").Single());
    }
}
