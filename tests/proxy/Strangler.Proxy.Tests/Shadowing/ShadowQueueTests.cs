using System.Text.Json;
using Strangler.Testing;

namespace Strangler.Proxy.Tests.Shadowing;

/// <summary>The shadow queue's accounting: every copy ends up counted, and none reaches the service after the route leaves shadow.</summary>
public sealed class ShadowQueueTests(StranglerStack stack) : IClassFixture<StranglerStack>
{
    private static readonly string[] Outcomes = ["matches", "mismatches", "serviceErrors", "skipped", "dropped", "discarded"];

    private Task<ProxyInstance> StartProxyAsync(int capacity) => stack.StartProxyAsync(
        $"--Proxy:Store:FilePath={Path.Combine(stack.StoreFolder, Guid.NewGuid().ToString("N"), "routes.json")}",
        $"--Proxy:Shadow:QueueCapacity={capacity}",
        "--Proxy:Shadow:MaxConcurrency=1");

    private static async Task<JsonElement> ShadowAsync(ProxyInstance proxy, string route) =>
        (await proxy.RouteStatsAsync(route)).GetProperty("shadow");

    private static long Accounted(JsonElement shadow) => Outcomes.Sum(o => shadow.GetProperty(o).GetInt64());

    [Fact]
    public async Task FullQueue_EveryDroppedCopyIsCounted()
    {
        await using var proxy = await StartProxyAsync(capacity: 5);
        await using var slow = await FakeService.StartAsync(stack.LegacyAddress);
        slow.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await proxy.PutRouteAsync("shadow-full", new { path = "/api/drivers/{**rest}", destinations = new[] { slow.Address.ToString() }, stage = "shadow" });

        for (var i = 0; i < 40; i++)
        {
            (await proxy.Public.GetAsync("/api/drivers?pageSize=1")).Dispose();
        }

        slow.Gate.SetResult();
        await Eventually.TrueAsync(async () => Accounted(await ShadowAsync(proxy, "shadow-full")) == 40, "all 40 copies accounted for");
        var shadow = await ShadowAsync(proxy, "shadow-full");
        // At most one copy in flight and five queued while the service held them: the other 34 were dropped.
        Assert.True(shadow.GetProperty("dropped").GetInt64() >= 34, shadow.GetRawText());
        Assert.Equal(40 - shadow.GetProperty("dropped").GetInt64(), slow.Requests);
        var metrics = await proxy.Admin.GetStringAsync("/metrics");
        Assert.Contains($"strangler_shadow_comparisons_total{{route=\"shadow-full\",result=\"dropped\"}} {shadow.GetProperty("dropped").GetInt64()}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_StopsQueuedAndInFlightCopies_NoCopyReachesTheServiceAfterwards()
    {
        await using var proxy = await StartProxyAsync(capacity: 1000);
        await using var slow = await FakeService.StartAsync(stack.LegacyAddress);
        slow.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await proxy.PutRouteAsync("shadow-retire", new { path = "/api/drivers/{**rest}", destinations = new[] { slow.Address.ToString() }, stage = "shadow" });
        for (var i = 0; i < 50; i++)
        {
            (await proxy.Public.GetAsync("/api/drivers?pageSize=1")).Dispose();
        }

        await slow.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using var rollback = await proxy.Admin.PostAsync("/admin/routes/shadow-retire/rollback", null);
        Assert.True(rollback.IsSuccessStatusCode);
        var reachedBeforeRollback = slow.Requests;

        slow.Gate.SetResult();
        await Eventually.TrueAsync(async () => Accounted(await ShadowAsync(proxy, "shadow-retire")) == 50, "all 50 copies accounted for");

        Assert.Equal(1, reachedBeforeRollback); // one worker: one copy was in flight
        Assert.Equal(reachedBeforeRollback, slow.Requests);
        Assert.Equal(50, (await ShadowAsync(proxy, "shadow-retire")).GetProperty("discarded").GetInt64());
    }
}
