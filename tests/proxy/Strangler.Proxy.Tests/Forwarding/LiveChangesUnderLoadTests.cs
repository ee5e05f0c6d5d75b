using System.Net;
using System.Net.Http.Json;

namespace Strangler.Proxy.Tests.Forwarding;

/// <summary>Route changes while traffic flows: no request may fail because of them.</summary>
public sealed class LiveChangesUnderLoadTests(StranglerStack stack) : IClassFixture<StranglerStack>
{
    [Fact]
    public async Task StageCycleUnderConcurrentLoad_ZeroFailedRequests()
    {
        using var legacy = new HttpClient { BaseAddress = stack.LegacyAddress };
        var created = await legacy.PostAsJsonAsync("/api/drivers", new
        {
            fullName = "Load Driver",
            email = $"load.{Guid.NewGuid():N}@example.com",
            licenceNumber = "LD-10001",
            licenceExpiresOn = "2031-01-01",
            vehicle = new { make = "Kia", model = "Niro", plate = "LD-00-01" },
        });
        var path = created.Headers.Location!.OriginalString;
        await stack.Proxy.PutRouteAsync("cycled", new { path = "/api/drivers/{**rest}", destinations = new[] { stack.ServiceAddress.ToString() }, stage = "legacy" });

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var served = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        using var stop = new CancellationTokenSource();
        var completed = 0;
        var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; i < 20_000 && !stop.IsCancellationRequested; i++)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, path);
                    request.Headers.Add("X-User-Id", $"load-{worker}-{i % 50}");
                    using var response = await stack.Proxy.Public.SendAsync(request);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        failures.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                    else
                    {
                        served.AddOrUpdate(response.Headers.GetValues("X-Strangler-Backend").Single(), 1, (_, n) => n + 1);
                    }
                }
                catch (HttpRequestException e)
                {
                    failures.Add(e.Message);
                }

                Interlocked.Increment(ref completed);
            }
        })).ToList();

        // Each change lands while requests are in flight: the next one waits until 40 more requests completed.
        async Task UnderLoadAsync(Func<Task> change)
        {
            await change();
            var mark = Volatile.Read(ref completed);
            await Strangler.Testing.Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref completed) >= mark + 40), "traffic after a change", 60_000);
        }

        for (var cycle = 0; cycle < 4; cycle++)
        {
            await UnderLoadAsync(() => stack.Proxy.SetStageAsync("cycled", "shadow"));
            await UnderLoadAsync(() => stack.Proxy.SetStageAsync("cycled", "canary", 10));
            await UnderLoadAsync(() => stack.Proxy.SetStageAsync("cycled", "canary", 50));
            await UnderLoadAsync(() => stack.Proxy.SetStageAsync("cycled", "service"));
            await UnderLoadAsync(async () => Assert.Equal(HttpStatusCode.OK, (await stack.Proxy.Admin.PostAsync("/admin/routes/cycled/rollback", null)).StatusCode));
        }

        stop.Cancel();
        await Task.WhenAll(workers);

        // The proxy itself recorded the 20 live changes, in order.
        var audit = (await stack.Proxy.GetJsonAsync("/admin/audit?limit=1000")).EnumerateArray()
            .Where(e => e.GetProperty("routeId").GetString() == "cycled" && e.GetProperty("action").GetString() is "stage" or "rollback")
            .Select(e => e.GetProperty("current").GetProperty("stage").GetString()).Reverse().ToList();
        Assert.Equal(Enumerable.Repeat(new[] { "shadow", "canary", "canary", "service", "legacy" }, 4).SelectMany(x => x), audit);
        Assert.Empty(failures);
        Assert.True(served.GetValueOrDefault("legacy") > 0 && served.GetValueOrDefault("service") > 0, string.Join(",", served));
    }
}
