using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using RideShare.Services.Tests.Sync;
using RideShare.Services.Tests.Trips;
using static Strangler.Testing.RideShareClient;

namespace RideShare.Services.Tests.Handoff;

/// <summary>
/// The synced stack with the proxy run as a real child process (so it can be killed), its drivers route pointing at a
/// controllable fake in front of the Drivers service.
/// </summary>
public sealed class ProxyProcessStack : SyncedStack
{
    private const string Token = "crash-admin-token-0123456789";
    private readonly TempDirectory _routes = new();
    private readonly int _public = Ports.Free();
    private readonly int _admin = Ports.Free();

    public AppProcess Proxy { get; private set; } = null!;

    public FaultGateway DriversFront { get; private set; } = null!;

    /// <summary>In front of the monolith, as the proxy's legacy URL.</summary>
    public FaultGateway MonolithFront { get; private set; } = null!;

    public HttpClient Public { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public HttpClient Admin { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Public.BaseAddress = new Uri($"http://127.0.0.1:{_public}");
        Admin.BaseAddress = new Uri($"http://127.0.0.1:{_admin}");
        Admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        DriversFront = await FaultGateway.StartAsync(Drivers.BaseAddress);
        MonolithFront = await FaultGateway.StartAsync(Monolith.BaseAddress);
        await StartProxyAsync();
        var route = await Admin.PutAsJsonAsync("/admin/routes/drivers",
            new { path = "/api/drivers/{**rest}", destinations = new[] { DriversFront.Address.ToString() }, stage = "service" });
        Assert.True(route.IsSuccessStatusCode, await route.Content.ReadAsStringAsync());
    }

    /// <summary>Starts the proxy process (again) on the same ports and route file; returns once its admin API answers.</summary>
    public async Task StartProxyAsync()
    {
        Proxy?.Dispose();
        Proxy = AppProcess.Start("Strangler.Proxy.dll", new Dictionary<string, string> { ["Proxy__Admin__Token"] = Token },
            $"--Proxy:LegacyUrl={MonolithFront.Address}", $"--Proxy:Listen=http://127.0.0.1:{_public}", $"--Proxy:Admin:Listen=http://127.0.0.1:{_admin}",
            $"--Proxy:Store:FilePath={Path.Combine(_routes.Path, "routes.json")}", "--Proxy:Health:IntervalMilliseconds=100",
            $"--Proxy:Handoff:LegacyConnectionString={LegacyConnectionString}", "--Proxy:Handoff:PrecheckMilliseconds=15000",
            "--Proxy:Handoff:FenceMilliseconds=60000", "--Proxy:Handoff:DrainMilliseconds=60000", "--Proxy:Handoff:MaxHoldMilliseconds=60000", "--Log:MinimumLevel=Warning");
        var process = Proxy;
        await Eventually.TrueAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the proxy exited ({process.ExitCode}): {string.Join('\n', process.Errors)}");
            }

            try
            {
                return (await Admin.GetAsync("/admin/routes")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the proxy's admin API", 60_000);
    }

    public override async Task DisposeAsync()
    {
        Proxy?.Dispose();
        Public.Dispose();
        Admin.Dispose();
        if (DriversFront is not null)
        {
            await DriversFront.DisposeAsync();
        }

        if (MonolithFront is not null)
        {
            await MonolithFront.DisposeAsync();
        }

        _routes.Dispose();
        await base.DisposeAsync();
    }
}

/// <summary>
/// The proxy killed (SIGKILL) while a handoff holds writes: after it restarts the owner is one side only — the proxy and
/// the service both say legacy, as the flip was never recorded — the held writes failed with an error at their clients
/// (never acknowledged and lost), every acknowledged write is in legacy, and the next handoff completes.
/// </summary>
public sealed class ProxyCrashTests(ProxyProcessStack stack) : IClassFixture<ProxyProcessStack>
{
    [Fact]
    public async Task ProxyKilledWhileHoldingWrites_RestartsWithOneOwner_NoAcknowledgedWriteLost_NextHandoffCompletes()
    {
        var acknowledged = new ConcurrentDictionary<string, string>(); // email → body
        var failed = new ConcurrentQueue<string>(); // emails whose write got an error
        var unexpected = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var email = $"crash.{Guid.NewGuid():N}@example.com";
                try
                {
                    var created = await stack.Public.PostAsJsonAsync("/api/drivers", DriverBody(email));
                    var body = await created.Content.ReadAsStringAsync();
                    if (created.StatusCode == HttpStatusCode.Created)
                    {
                        acknowledged[email] = body;
                    }
                    else
                    {
                        unexpected.Enqueue($"{(int)created.StatusCode} {body}");
                    }
                }
                catch (HttpRequestException)
                {
                    failed.Enqueue(email); // the proxy died under it, or is not back yet
                }
            }
        })).ToList();

        await Eventually.TrueAsync(() => Task.FromResult(acknowledged.Count >= 5), "writes before the handoff");
        // A write that never finishes is in flight on the drivers route (its request hangs in front of the monolith), so
        // the handoff, once it holds new writes, waits for it to drain: writes stay held until the proxy is killed.
        stack.MonolithFront.Inject("PUT", "^/api/drivers/999999/status$", Fault.HangBefore);
        var stuck = stack.Public.PutAsJsonAsync("/api/drivers/999999/status", new { status = "offline" });
        await Eventually.TrueAsync(() => Task.FromResult(stack.MonolithFront.Seen.Contains("PUT /api/drivers/999999/status")), "the stuck write in flight");
        var heldBefore = await HeldWritesAsync();
        var handing = stack.Admin.PostAsJsonAsync("/admin/routes/drivers/owner", new { owner = "service" });
        await Eventually.TrueAsync(async () => await HeldWritesAsync() >= heldBefore + 3 || handing.IsCompleted, "writes waiting at the hold", 30_000);
        Assert.False(handing.IsCompleted, handing.IsCompleted ? await (await handing).Content.ReadAsStringAsync() : "");

        await stack.Proxy.KillHardAsync();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => handing);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => stuck);
        stack.MonolithFront.Clear();
        var failedAtKill = failed.Count;
        Assert.True(failedAtKill >= 3, $"the held writes fail at their clients ({failedAtKill})");

        await stack.StartProxyAsync();
        // One owner: the flip was never recorded, and the service was never told it owns the writes.
        Assert.Equal("legacy", (await stack.Admin.GetFromJsonAsync<JsonElement>("/admin/routes/drivers")).GetProperty("owner").GetString());
        Assert.Equal("legacy", (await SyncedStack.StatusAsync(stack.Drivers)).GetProperty("owner").GetString());
        var count = acknowledged.Count;
        await Eventually.TrueAsync(() => Task.FromResult(acknowledged.Count >= count + 5 || !unexpected.IsEmpty), "writes through the restarted proxy");
        Assert.True(unexpected.IsEmpty, string.Join("\n", unexpected.Take(3)));

        // Handing off now works: nothing of the killed handoff is left holding.
        var handoff = await stack.Admin.PostAsJsonAsync("/admin/routes/drivers/owner", new { owner = "service" });
        Assert.True(handoff.StatusCode == HttpStatusCode.OK, await handoff.Content.ReadAsStringAsync());
        count = acknowledged.Count;
        await Eventually.TrueAsync(() => Task.FromResult(acknowledged.Count >= count + 5 || !unexpected.IsEmpty), "writes after the handoff");
        Assert.True(unexpected.IsEmpty, string.Join("\n", unexpected.Take(3)));
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        Assert.True(unexpected.IsEmpty, string.Join("\n", unexpected.Take(3)));

        // Every acknowledged write is in legacy (the service's through the reverse sync), once; a write that failed is
        // there at most once (email is unique: applied once, or not at all).
        await SyncedStack.ReverseSettledAsync(stack.Drivers);
        var inLegacy = new Dictionary<string, (long Count, long Id)>();
        await using (var legacy = NpgsqlDataSource.Create(stack.LegacyConnectionString))
        await using (var query = legacy.CreateCommand("SELECT email, count(*), min(id) FROM drivers WHERE email = ANY($1) GROUP BY email"))
        {
            query.Parameters.Add(new NpgsqlParameter { Value = acknowledged.Keys.Concat(failed).ToArray() });
            await using var reader = await query.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                inLegacy[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2));
            }
        }

        foreach (var (email, body) in acknowledged)
        {
            Assert.True(inLegacy.TryGetValue(email, out var row), $"acknowledged write {email} is in legacy");
            Assert.Equal((1L, JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt64()), row);
        }

        Assert.All(failed, email => Assert.True(!inLegacy.TryGetValue(email, out var row) || row.Count == 1));
    }

    private async Task<long> HeldWritesAsync()
    {
        var routes = (await stack.Admin.GetFromJsonAsync<JsonElement>("/admin/stats")).GetProperty("routes").EnumerateArray();
        var hold = routes.Single(r => r.GetProperty("id").GetString() == "drivers").GetProperty("writeHold");
        return hold.ValueKind == JsonValueKind.Object ? hold.GetProperty("heldWrites").GetInt64() : 0;
    }
}
