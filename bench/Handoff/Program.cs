using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using RideShare.Drivers.Hosting;
using RideShare.Monolith.Hosting;
using RideShare.Monolith.Migrations;
using Strangler.Hosting.Postgres;
using Strangler.Proxy;
using Strangler.Proxy.Hosting;

// Usage: dotnet run -c Release --project bench/Handoff -- [writes/s] [reads/s] [seconds per phase] [handoffs]
var inv = CultureInfo.InvariantCulture;
var writesPerSecond = args.Length > 0 ? int.Parse(args[0], inv) : 1000;
var readsPerSecond = args.Length > 1 ? int.Parse(args[1], inv) : 4000;
var seconds = args.Length > 2 ? int.Parse(args[2], inv) : 20;
var handoffs = args.Length > 3 ? int.Parse(args[3], inv) : 10;
const int Drivers = 20_000;

var folder = Path.Combine(Path.GetTempPath(), $"strangler-bench-handoff-{Guid.NewGuid():N}");
await using var cluster = await EmbeddedPostgresCluster.StartAsync(new EmbeddedPostgresOptions { DataDirectory = Path.Combine(folder, "pg") }, NullLogger.Instance, CancellationToken.None);
var apps = new List<WebApplication>();
try
{
    await cluster.EnsureDatabaseAsync("rideshare", CancellationToken.None);
    var legacy = cluster.GetConnectionString("rideshare");
    SchemaMigrator.Migrate(legacy);
    await using (var connection = new NpgsqlConnection(legacy))
    {
        await connection.OpenAsync();
        await using var seed = new NpgsqlCommand($"""
            INSERT INTO drivers (full_name, email, licence_number, licence_expires_on, vehicle_make, vehicle_model, vehicle_plate, status, latitude, longitude)
            SELECT 'Driver ' || g, 'driver' || g || '@bench.example', 'B-' || lpad(g::text, 8, '0'), DATE '2031-01-01', 'Kia', 'Niro', 'BB-' || g,
                   'available', 38.7 + (g % 100) / 1000.0, -9.1 - (g % 100) / 1000.0
            FROM generate_series(1, {Drivers}) g
            """, connection);
        await seed.ExecuteNonQueryAsync();
    }

    var monolith = await RideShareApp.StartAsync([$"--ConnectionStrings:RideShare={legacy}", "--urls=http://127.0.0.1:0", "--Log:MinimumLevel=Warning"], CancellationToken.None);
    apps.Add(monolith);
    var drivers = await DriversApp.StartAsync(
    [
        $"--ConnectionStrings:Legacy={legacy}", $"--DriverStore:DataDirectory={Path.Combine(folder, "drivers")}", "--urls=http://127.0.0.1:0",
        "--Sync:HeartbeatIntervalMilliseconds=100", "--Log:MinimumLevel=Warning",
    ], CancellationToken.None);
    apps.Add(drivers);
    const string token = "bench-admin-token-0123456789";
    var proxy = await ProxyApp.StartAsync(
    [
        $"--Proxy:LegacyUrl={Address(monolith)}", "--Proxy:Listen=http://127.0.0.1:0", "--Proxy:Admin:Listen=http://127.0.0.1:0", $"--Proxy:Admin:Token={token}",
        $"--Proxy:Store:FilePath={Path.Combine(folder, "routes.json")}", $"--Proxy:Handoff:LegacyConnectionString={legacy}", "--Log:MinimumLevel=Warning",
    ], CancellationToken.None);
    apps.Add(proxy);
    var endpoints = proxy.Services.GetRequiredService<ProxyEndpoints>();
    using var admin = new HttpClient { BaseAddress = endpoints.AdminAddress };
    admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
    (await admin.PutAsJsonAsync("/admin/routes/drivers", new { path = "/api/drivers/{**rest}", destinations = new[] { Address(drivers).ToString() }, stage = "service" })).EnsureSuccessStatusCode();
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = endpoints.PublicAddress };
    await WaitCaughtUpAsync(drivers, legacy);

    Console.WriteLine($"load: {writesPerSecond:N0} writes/s (PUT /api/drivers/{{id}}/status) + {readsPerSecond:N0} reads/s (GET /api/drivers/{{id}}) through the proxy, open model, {Drivers:N0} drivers; {Environment.ProcessorCount} cores");
    Console.WriteLine();
    await RunAsync(http, admin, writesPerSecond, readsPerSecond, Math.Min(seconds, 5), 0); // warm-up (JIT, pools, caches), not reported
    var baseline = await RunAsync(http, admin, writesPerSecond, readsPerSecond, seconds, 0);
    var handed = await RunAsync(http, admin, writesPerSecond, readsPerSecond, seconds, handoffs);
    Console.WriteLine("| phase | requests sent | failed | 409 concurrent writes | write p50 | write p99 | write max | read p50 | read p99 | handoffs completed | hold p50 | hold p99 | hold max | writes held |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    Console.WriteLine(baseline.Row("steady load, no handoff"));
    Console.WriteLine(handed.Row($"same load, {handoffs} handoffs (alternating to service and back)"));
    foreach (var (name, phase) in new[] { ("no handoff", baseline), ("handoffs", handed) })
    {
        if (!phase.Failures.IsEmpty)
        {
            Console.WriteLine();
            Console.WriteLine($"failures ({name}): " + string.Join("; ", phase.Failures.GroupBy(f => f).Select(g => $"{g.Count()} × {g.Key}").Take(10)));
        }

        if (!phase.Refusals.IsEmpty)
        {
            Console.WriteLine();
            Console.WriteLine($"handoffs refused ({name}): " + string.Join("; ", phase.Refusals.Take(5)));
        }
    }
}
finally
{
    foreach (var app in Enumerable.Reverse(apps))
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    await cluster.StopAsync(CancellationToken.None);
    Directory.Delete(folder, recursive: true);
}

static Uri Address(WebApplication app) => new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

static async Task WaitCaughtUpAsync(WebApplication drivers, string legacy)
{
    using var http = new HttpClient { BaseAddress = Address(drivers) };
    await using var connection = new NpgsqlConnection(legacy);
    await connection.OpenAsync();
    await using var position = new NpgsqlCommand("SELECT pg_current_wal_insert_lsn()", connection);
    var target = (ulong)(NpgsqlTypes.NpgsqlLogSequenceNumber)(await position.ExecuteScalarAsync())!;
    while (true)
    {
        var status = await http.GetFromJsonAsync<JsonElement>("/sync/status");
        if (status.GetProperty("state").GetString() == "streaming" && status.GetProperty("appliedLsn").GetUInt64() >= target)
        {
            return;
        }

        await Task.Delay(50);
    }
}

static async Task<Result> RunAsync(HttpClient http, HttpClient admin, int writesPerSecond, int readsPerSecond, int seconds, int handoffs)
{
    var result = new Result();
    var watch = Stopwatch.StartNew();
    var duration = TimeSpan.FromSeconds(seconds);
    var requests = new ConcurrentBag<Task>();
    var generators = new[] { (Rate: writesPerSecond, Write: true), (Rate: readsPerSecond, Write: false) }.Select(g => Task.Run(async () =>
    {
        // Open model: request n is due at n / rate; latency is measured from that intended time (no coordinated omission).
        var interval = 1.0 / g.Rate;
        for (long n = 0; ; n++)
        {
            var due = TimeSpan.FromSeconds(n * interval);
            if (due >= duration)
            {
                break;
            }

            var wait = due - watch.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }

            requests.Add(SendAsync(http, result, g.Write, due, watch));
        }
    })).ToList();

    if (handoffs > 0)
    {
        // Spread the handoffs over the middle of the phase, alternating direction.
        var gap = duration / (handoffs + 1);
        for (var i = 0; i < handoffs; i++)
        {
            var at = gap * (i + 1);
            var wait = at - watch.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            var current = (await admin.GetFromJsonAsync<JsonElement>("/admin/routes/drivers")).GetProperty("owner").GetString();
            var owner = current == "legacy" ? "service" : "legacy"; // alternate from wherever the last one left it
            var response = await admin.PostAsJsonAsync("/admin/routes/drivers/owner", new { owner, reason = "benchmark" });
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            var report = body.TryGetProperty("handoff", out var h) ? h : default;
            if (response.IsSuccessStatusCode && report.GetProperty("outcome").GetString() == "completed")
            {
                result.Holds.Add(report.GetProperty("holdMilliseconds").GetDouble());
                Interlocked.Add(ref result.WritesHeld, report.GetProperty("heldWrites").GetInt64());
            }
            else
            {
                result.Refusals.Add($"to {owner}: {(report.ValueKind == JsonValueKind.Object ? report.GetProperty("detail").GetString() : body.ToString())}");
            }
        }
    }

    await Task.WhenAll(generators);
    await Task.WhenAll(requests);
    if ((await admin.GetFromJsonAsync<JsonElement>("/admin/routes/drivers")).GetProperty("owner").GetString() != "legacy")
    {
        (await admin.PostAsJsonAsync("/admin/routes/drivers/owner", new { owner = "legacy", reason = "benchmark reset" })).EnsureSuccessStatusCode();
    }

    return result;
}

static async Task SendAsync(HttpClient http, Result result, bool write, TimeSpan due, Stopwatch watch)
{
    var id = Random.Shared.Next(1, Drivers + 1);
    try
    {
        using var response = write
            ? await http.PutAsJsonAsync($"/api/drivers/{id}/status", new { location = new { latitude = 38.7m + Random.Shared.Next(0, 1000) / 10000m, longitude = -9.1m } })
            : await http.GetAsync($"/api/drivers/{id}");
        var latency = (watch.Elapsed - due).TotalMilliseconds;
        (write ? result.WriteLatencies : result.ReadLatencies).Add(latency);
        Interlocked.Increment(ref result.Sent);
        if (write && response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            Interlocked.Increment(ref result.Conflicts); // two writes to one driver at once: the contract's 409, not a failure
        }
        else if (!response.IsSuccessStatusCode)
        {
            result.Failures.Add($"{(write ? "PUT" : "GET")} {(int)response.StatusCode}");
        }
    }
    catch (HttpRequestException e)
    {
        Interlocked.Increment(ref result.Sent);
        result.Failures.Add(e.Message);
    }
}

internal sealed class Result
{
    public long Sent;
    public long WritesHeld;
    public long Conflicts;

    public ConcurrentBag<double> WriteLatencies { get; } = [];

    public ConcurrentBag<double> ReadLatencies { get; } = [];

    public ConcurrentBag<double> Holds { get; } = [];

    public ConcurrentBag<string> Failures { get; } = [];

    /// <summary>Handoffs refused or aborted (the owner stayed), with why.</summary>
    public ConcurrentBag<string> Refusals { get; } = [];

    public string Row(string name)
    {
        static double P(IEnumerable<double> values, double q)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        }

        var holds = Holds.ToArray();
        return string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {Sent:N0} | {Failures.Count:N0} | {Conflicts:N0} | {P(WriteLatencies, 0.5):F1} ms | {P(WriteLatencies, 0.99):F1} ms | {WriteLatencies.DefaultIfEmpty().Max():F1} ms | {P(ReadLatencies, 0.5):F1} ms | {P(ReadLatencies, 0.99):F1} ms | {holds.Length} | {(holds.Length == 0 ? "—" : $"{P(holds, 0.5):F1} ms")} | {(holds.Length == 0 ? "—" : $"{P(holds, 0.99):F1} ms")} | {(holds.Length == 0 ? "—" : $"{holds.Max():F1} ms")} | {WritesHeld:N0} |");
    }
}
