using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using RideShare.Services.Tests.Sync;
using static Strangler.Testing.RideShareClient;

namespace RideShare.Services.Tests.Handoff;

/// <summary>The handoff stack with two proxy replicas sharing their route table in PostgreSQL, both forwarding users' writes.</summary>
public sealed class ReplicasHandoffStack : HandoffStack
{
    private PostgresServer _server = null!;

    public string RoutesConnectionString { get; private set; } = "";

    /// <summary>The second replica (the first is <see cref="HandoffStack.Public"/>/<see cref="HandoffStack.Admin"/>).</summary>
    public ProxyReplica Other { get; private set; } = null!;

    protected override int HandoffWaitMilliseconds => 15_000;

    protected override int DrainWaitMilliseconds => 3_000;

    protected override IEnumerable<string> ProxyStoreArgs =>
        ["--Proxy:Store:Kind=Postgres", $"--Proxy:Store:ConnectionString={RoutesConnectionString}", "--Proxy:Handoff:ReplicaLeaseMilliseconds=2000"];

    public override async Task InitializeAsync()
    {
        _server = await PostgresServer.GetAsync();
        RoutesConnectionString = await _server.CreateDatabaseAsync("routes");
        await base.InitializeAsync();
        Other = await StartProxyAsync("http://127.0.0.1:0");
        var version = (await Admin.GetFromJsonAsync<JsonElement>("/admin/routes")).GetProperty("version").GetInt64();
        await Eventually.TrueAsync(async () => (await Other.Admin.GetFromJsonAsync<JsonElement>("/admin/routes")).GetProperty("version").GetInt64() == version,
            "the second replica to serve the route table");
        await Eventually.TrueAsync(async () => await ReplicasSeenAsync() == 2, "both replicas to announce themselves");
    }

    /// <summary>Replicas that announced themselves within the lease.</summary>
    public Task<long> ReplicasSeenAsync() => Sql.ScalarAsync<long>(RoutesConnectionString,
        "SELECT count(*) FROM strangler_proxy_replicas WHERE seen_at > clock_timestamp() - interval '2 seconds'");

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _server.DropDatabaseAsync(RoutesConnectionString);
    }
}

/// <summary>
/// A handoff through one replica holds the route's writes on every replica: no replica writes to the old owner after
/// the fence, and the held writes go, on each replica, to the new owner.
/// </summary>
public sealed class ReplicaHandoffTests(ReplicasHandoffStack stack) : IClassFixture<ReplicasHandoffStack>
{
    [Fact]
    public async Task HandOffThroughEitherReplica_UnderLoadOnBoth_NoSecondWriter_NoFailure_NoLostWrite()
    {
        var writers = new DriverWriters([stack.Public, stack.Public, stack.Other.Public, stack.Other.Public], latitude: 30m);

        // To the service through the first replica, back through the second, to the service again through the first.
        foreach (var (owner, through, other) in new[]
        {
            ("service", stack.Admin, stack.Other.Public), ("legacy", stack.Other.Admin, stack.Public), ("service", stack.Admin, stack.Other.Public),
        })
        {
            await writers.MoreAsync(8, $"writes on both replicas before handing to {owner}");
            var handoff = await through.PostAsJsonAsync("/admin/routes/drivers/owner", new { owner, reason = "two replicas" });
            var report = await handoff.Content.ReadAsStringAsync();
            HandoffStack.AssertCompleted(handoff, report);

            // The replica that did not run the handoff released its held writes only after installing the new owner.
            var next = await other.PostAsJsonAsync("/api/drivers", DriverBody());
            Assert.Equal(HttpStatusCode.Created, next.StatusCode);
            Assert.Equal(owner, next.Headers.GetValues("X-Strangler-Backend").Single());
            writers.Acknowledged[(await next.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64()] = await next.Content.ReadAsStringAsync();
        }

        await writers.MoreAsync(8, "writes after the last handoff");
        await writers.StopAsync();
        Assert.Empty(writers.Failures);

        await writers.InBothStoresAsync(stack);
        var status = await SyncedStack.StatusAsync(stack.Drivers);
        Assert.Equal("service", status.GetProperty("owner").GetString());
        // Had either replica forwarded a write to legacy after a fence, the Drivers sync would have counted it.
        Assert.Equal(0, status.GetProperty("singleWriterViolations").GetInt64());
    }

    [Fact]
    public async Task AHoldAnnouncedByAnotherReplica_HoldsThisReplicasWrites_UntilItEnds_AndRefusesASecondHandoff()
    {
        await using var routes = NpgsqlDataSource.Create(stack.RoutesConnectionString);
        var holdId = await Sql.ScalarAsync<long>(routes, """
            INSERT INTO strangler_route_holds (route_id, replica, started_at, expires_at)
            VALUES ('passengers', 'elsewhere-1', clock_timestamp(), clock_timestamp() + interval '60 seconds') RETURNING id
            """);
        try
        {
            await Sql.ExecuteAsync(stack.RoutesConnectionString, "SELECT pg_notify('strangler_holds', 'test')");
            // Both replicas hold the route's writes and confirm they have none in flight.
            await Eventually.TrueAsync(async () => await Sql.ScalarAsync<long>(routes, $"SELECT count(*) FROM strangler_route_hold_acks WHERE hold_id = {holdId}") == 2,
                "both replicas to confirm the hold");
            var heldBefore = await HeldWritesAsync(stack.Admin);
            var writing = stack.Public.PostAsJsonAsync("/api/passengers", PassengerBody());
            await Eventually.TrueAsync(async () => await HeldWritesAsync(stack.Admin) == heldBefore + 1, "the write to wait at the hold");
            Assert.False(writing.IsCompleted);

            var second = await stack.Other.Admin.PostAsJsonAsync("/admin/routes/passengers/owner", new { owner = "service" });
            var problem = await ProblemAsync(second, HttpStatusCode.Conflict);
            Assert.Equal("refused", problem.GetProperty("handoff").GetProperty("outcome").GetString());
            Assert.Contains("Another handoff of route 'passengers' is under way (replica elsewhere-1", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

            await Sql.ExecuteAsync(stack.RoutesConnectionString, $"DELETE FROM strangler_route_holds WHERE id = {holdId}; SELECT pg_notify('strangler_holds', 'end')");
            var written = await writing;
            Assert.Equal(HttpStatusCode.Created, written.StatusCode);
            Assert.Equal("legacy", (await stack.Admin.GetFromJsonAsync<JsonElement>("/admin/routes/passengers")).GetProperty("owner").GetString());
        }
        finally
        {
            await Sql.ExecuteAsync(stack.RoutesConnectionString, $"DELETE FROM strangler_route_holds WHERE id = {holdId}; SELECT pg_notify('strangler_holds', 'end')");
        }
    }

    [Fact]
    public async Task AReplicaThatNeverConfirms_AbortsTheHandoff_OwnerUnchanged_WritesGoOn()
    {
        // A replica that announces itself but never answers holds (hung, or partitioned from its listener).
        await Sql.ExecuteAsync(stack.RoutesConnectionString,
            "INSERT INTO strangler_proxy_replicas (replica, seen_at) VALUES ('stuck-1', clock_timestamp() + interval '1 hour')");
        try
        {
            var writing = Task.Run(async () =>
            {
                var results = new List<HttpStatusCode>();
                for (var i = 0; i < 20; i++)
                {
                    results.Add((await stack.Other.Public.PostAsJsonAsync("/api/passengers", PassengerBody())).StatusCode);
                }

                return results;
            });
            var handoff = await stack.Admin.PostAsJsonAsync("/admin/routes/passengers/owner", new { owner = "service" });
            var problem = await ProblemAsync(handoff, HttpStatusCode.Conflict);
            Assert.Equal("aborted", problem.GetProperty("handoff").GetProperty("outcome").GetString());
            Assert.Contains("proxy replica stuck-1 did not confirm", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Contains("the owner is still legacy", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.All(await writing, status => Assert.Equal(HttpStatusCode.Created, status));
            Assert.Equal("legacy", (await stack.Other.Admin.GetFromJsonAsync<JsonElement>("/admin/routes/passengers")).GetProperty("owner").GetString());
            var after = await stack.Other.Public.PostAsJsonAsync("/api/passengers", PassengerBody());
            Assert.Equal("legacy", after.Headers.GetValues("X-Strangler-Backend").Single());
        }
        finally
        {
            await Sql.ExecuteAsync(stack.RoutesConnectionString, "DELETE FROM strangler_proxy_replicas WHERE replica = 'stuck-1'");
        }
    }

    private static async Task<long> HeldWritesAsync(HttpClient admin)
    {
        var routes = (await admin.GetFromJsonAsync<JsonElement>("/admin/stats")).GetProperty("routes").EnumerateArray();
        var hold = routes.Single(r => r.GetProperty("id").GetString() == "passengers").GetProperty("writeHold");
        return hold.ValueKind == JsonValueKind.Object ? hold.GetProperty("heldWrites").GetInt64() : 0;
    }
}
