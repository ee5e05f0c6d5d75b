using System.Net.Http.Json;
using Strangler.Testing;

namespace Strangler.Proxy.Tests.Admin;

/// <summary>Two proxy replicas sharing one route table in PostgreSQL (LISTEN/NOTIFY).</summary>
public sealed class ReplicaTests(StranglerStack stack) : IClassFixture<StranglerStack>
{
    private Task<ProxyInstance> StartReplicaAsync() => stack.StartProxyAsync(
        "--Proxy:Store:Kind=Postgres", $"--Proxy:Store:ConnectionString={stack.ConnectionString}");

    private static async Task<long> VersionAsync(ProxyInstance proxy) =>
        (await proxy.GetJsonAsync("/admin/routes")).GetProperty("version").GetInt64();

    [Fact]
    public async Task ChangeOnOneReplica_IsServedByTheOther()
    {
        await using var a = await StartReplicaAsync();
        await using var b = await StartReplicaAsync();

        await a.PutRouteAsync("shared", new { path = "/api/trips/{**rest}", destinations = new[] { stack.ServiceAddress.ToString() }, stage = "service" });
        var version = await VersionAsync(a);
        await Eventually.TrueAsync(async () => await VersionAsync(b) == version, "replica b to install the change");
        using var viaB = await b.Public.GetAsync("/api/trips?pageSize=1");

        Assert.Equal("service", viaB.Headers.GetValues("X-Strangler-Backend").Single());
        Assert.Equal((await a.GetJsonAsync("/admin/routes")).GetRawText(), (await b.GetJsonAsync("/admin/routes")).GetRawText());
    }

    [Fact]
    public async Task ConcurrentChangesOnBothReplicas_BothApply_AndTheReplicasConverge()
    {
        await using var a = await StartReplicaAsync();
        await using var b = await StartReplicaAsync();
        var start = await VersionAsync(a);

        var results = await Task.WhenAll(
            a.Admin.PutAsJsonAsync("/admin/routes/from-a", new { path = "/api/a/{**rest}", destinations = new[] { stack.ServiceAddress.ToString() } }),
            b.Admin.PutAsJsonAsync("/admin/routes/from-b", new { path = "/api/b/{**rest}", destinations = new[] { stack.ServiceAddress.ToString() } }));

        Assert.All(results, r => Assert.True(r.IsSuccessStatusCode, r.StatusCode.ToString()));
        await Eventually.TrueAsync(async () => await VersionAsync(a) == start + 2 && await VersionAsync(b) == start + 2, "both replicas at the same version");
        var routes = (await b.GetJsonAsync("/admin/routes")).GetProperty("routes").EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
        Assert.Contains("from-a", routes);
        Assert.Contains("from-b", routes);
        Assert.Equal((await a.GetJsonAsync("/admin/routes")).GetRawText(), (await b.GetJsonAsync("/admin/routes")).GetRawText());
    }
}
