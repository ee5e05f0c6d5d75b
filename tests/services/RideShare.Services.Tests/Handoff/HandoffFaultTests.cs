using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RideShare.Services.Tests.Trips;
using static Strangler.Testing.RideShareClient;

namespace RideShare.Services.Tests.Handoff;

/// <summary>The handoff stack with the drivers route's destination behind a controllable fake (real HTTP).</summary>
public sealed class FaultyHandoffStack : HandoffStack
{
    public FaultGateway DriversFront { get; private set; } = null!;

    protected override int HandoffWaitMilliseconds => 15_000;

    /// <summary>Far shorter than the drain and fence waits: the hold must end before a held write would be refused.</summary>
    protected override int MaxHoldMilliseconds => 3000;

    protected override async Task<Uri> DestinationAsync(string route, Uri service)
    {
        if (route != "drivers")
        {
            return service;
        }

        DriversFront = await FaultGateway.StartAsync(service);
        return DriversFront.Address;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (DriversFront is not null)
        {
            await DriversFront.DisposeAsync();
        }
    }
}

/// <summary>
/// The new owner lost in the middle of a handoff — its /sync/status answers the check before holding, then fails —
/// aborts it: the owner stays legacy, the writes held meanwhile go to legacy, none fails, none is lost.
/// </summary>
public sealed class HandoffFaultTests(FaultyHandoffStack stack) : IClassFixture<FaultyHandoffStack>
{
    [Fact]
    public async Task ServiceLostWhileWritesAreHeld_TheHandoffAborts_OwnerUnchanged_NoWriteFailsOrIsLost()
    {
        var failures = new ConcurrentQueue<string>();
        var acknowledged = new ConcurrentDictionary<long, string>();
        using var stop = new CancellationTokenSource();
        var pause = new PauseSwitch();
        var writers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await pause.WhileRunningAsync();
                if (stop.IsCancellationRequested)
                {
                    break;
                }

                var created = await stack.Public.PostAsJsonAsync("/api/drivers", DriverBody());
                var body = await created.Content.ReadAsStringAsync();
                if (created.StatusCode != HttpStatusCode.Created)
                {
                    failures.Enqueue($"{(int)created.StatusCode} {body}");
                    continue;
                }

                acknowledged[JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt64()] = body;
            }
        })).ToList();
        await Eventually.TrueAsync(() => Task.FromResult(acknowledged.Count >= 5), "writes before the handoff");
        // Quiet legacy for the check before holding, so its first status answer passes it; then the service is lost.
        pause.Pause();
        await stack.CaughtUpAsync(stack.Drivers);
        stack.DriversFront.Clear();
        stack.DriversFront.Inject("GET", "^/sync/status$", Fault.FailBefore, skip: 1);
        var handing = stack.Admin.PostAsJsonAsync("/admin/routes/drivers/owner", new { owner = "service" });
        // Writes resume once the check before holding has read its position (its status call came in): they meet the hold.
        await Eventually.TrueAsync(() => Task.FromResult(stack.DriversFront.Seen.Contains("GET /sync/status") || handing.IsCompleted), "the handoff's first status call");
        pause.Resume();
        var handoff = await handing;
        var count = acknowledged.Count;
        await Eventually.TrueAsync(() => Task.FromResult(acknowledged.Count >= count + 5), "writes after the aborted handoff");
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        stack.DriversFront.Clear();

        var problem = await ProblemAsync(handoff, HttpStatusCode.Conflict);
        var report = problem.GetProperty("handoff");
        // Aborted after holding writes; were the quiet check itself to need a second status answer, it is refused before
        // holding — either way the owner must stay legacy with no write failed or lost.
        Assert.Contains(report.GetProperty("outcome").GetString(), new[] { "aborted", "refused" });
        if (report.GetProperty("outcome").GetString() == "aborted")
        {
            Assert.True(report.GetProperty("holdMilliseconds").GetDouble() > 0, "writes were held");
            Assert.Contains("the owner is still legacy", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal("legacy", (await stack.Admin.GetFromJsonAsync<JsonElement>("/admin/routes/drivers")).GetProperty("owner").GetString());
        Assert.Empty(failures);
        foreach (var (id, body) in acknowledged)
        {
            Assert.Equal(body, await stack.Monolith.Client.GetStringAsync($"/api/drivers/{id}"));
        }
    }

    /// <summary>
    /// A write in flight that does not finish (its driver row locked in legacy) keeps the handoff draining, with drain and
    /// fence waits far longer than a held write may wait: the hold ends within Proxy:Handoff:MaxHoldMilliseconds —
    /// aborted, the held write going to legacy — instead of the held write being refused with 503 while the handoff
    /// waits on. Before, a hold that outlasted MaxHold refused its held writes, even when the handoff then completed.
    /// </summary>
    [Fact]
    public async Task AHoldThatWouldOutlastMaxHold_Aborts_AndTheHeldWriteGoesToLegacy()
    {
        var driver = (await stack.Monolith.Api.CreateDriverAsync()).GetProperty("id").GetInt64();
        await stack.CaughtUpAsync(stack.Drivers);
        await using var blocker = new Npgsql.NpgsqlConnection(stack.LegacyConnectionString);
        await blocker.OpenAsync();
        await using var locked = await blocker.BeginTransactionAsync();
        await using (var lockRow = new Npgsql.NpgsqlCommand($"SELECT id FROM drivers WHERE id = {driver} FOR UPDATE", blocker, locked))
        {
            await lockRow.ExecuteScalarAsync();
        }

        var stuck = stack.Public.PutAsJsonAsync($"/api/drivers/{driver}/status", new { status = "offline" });
        await Eventually.TrueAsync(async () => await Sql.ScalarAsync<long>(stack.LegacyConnectionString,
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()") > 0, "the write stuck on the row lock");

        var handing = stack.Admin.PostAsJsonAsync("/admin/routes/drivers/owner", new { owner = "service", reason = "stuck write in flight" });
        await Eventually.TrueAsync(async () => handing.IsCompleted || await HoldingAsync(), "the handoff holding the drivers route's writes");
        var held = await stack.Public.PostAsJsonAsync("/api/drivers", DriverBody());
        var handoff = await handing;
        await locked.RollbackAsync();
        var unstuck = await stuck;

        var body = await held.Content.ReadAsStringAsync();
        Assert.True(held.StatusCode == HttpStatusCode.Created, $"{(int)held.StatusCode} {body}");
        Assert.Equal("legacy", held.Headers.GetValues("X-Strangler-Backend").Single());
        Assert.Equal(HttpStatusCode.OK, unstuck.StatusCode);
        var problem = await ProblemAsync(handoff, HttpStatusCode.Conflict);
        var report = problem.GetProperty("handoff");
        Assert.Equal("aborted", report.GetProperty("outcome").GetString());
        Assert.Contains("MaxHoldMilliseconds (3000 ms) while waiting for the writes in flight", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, report.GetProperty("heldWrites").GetInt64());
        Assert.Equal(0, report.GetProperty("refusedWrites").GetInt64());
        Assert.True(report.GetProperty("holdMilliseconds").GetDouble() < 3000, report.ToString());
        Assert.Equal("legacy", (await stack.Admin.GetFromJsonAsync<JsonElement>("/admin/routes/drivers")).GetProperty("owner").GetString());
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt64();
        Assert.Equal(body, await stack.Monolith.Client.GetStringAsync($"/api/drivers/{id}"));

        async Task<bool> HoldingAsync()
        {
            var stats = await stack.Admin.GetFromJsonAsync<JsonElement>("/admin/stats");
            var drivers = stats.GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("id").GetString() == "drivers");
            return drivers.TryGetProperty("writeHold", out var hold) && hold.ValueKind == JsonValueKind.Object && hold.GetProperty("holding").GetBoolean();
        }
    }
}
