using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Marten.Services;
using Weasel.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using RideShare.Drivers.Hosting;
using RideShare.Drivers.Store;
using RideShare.Drivers.Sync;
using RideShare.Monolith.Migrations;
using RideShare.Passengers.Hosting;
using RideShare.Passengers.Store;
using RideShare.Passengers.Sync;
using StackExchange.Redis;
using Strangler.Cdc.Apply;
using Strangler.Hosting.Postgres;

// Usage: dotnet run -c Release --project bench/SyncApply -- [changes] [latency-seconds] [steady-rate] [steady-seconds] [all|drivers|passengers]
var inv = CultureInfo.InvariantCulture;
var changes = args.Length > 0 ? int.Parse(args[0], inv) : 200_000;
var latencySeconds = args.Length > 1 ? int.Parse(args[1], inv) : 10;
var steadyRate = args.Length > 2 ? int.Parse(args[2], inv) : 20_000;
var steadySeconds = args.Length > 3 ? int.Parse(args[3], inv) : 10;
var only = args.Length > 4 ? args[4] : "all"; // "drivers" or "passengers": only that store's backlog apply (for profiling)
var folder = Path.Combine(Path.GetTempPath(), $"strangler-bench-sync-{Guid.NewGuid():N}");
await using var cluster = await EmbeddedPostgresCluster.StartAsync(new EmbeddedPostgresOptions { DataDirectory = Path.Combine(folder, "pg") }, NullLogger.Instance, CancellationToken.None);
try
{
    await cluster.EnsureDatabaseAsync("rideshare", CancellationToken.None);
    await cluster.EnsureDatabaseAsync("passengers", CancellationToken.None);
    await cluster.EnsureDatabaseAsync("passengers_baseline", CancellationToken.None);
    var legacy = cluster.GetConnectionString("rideshare");
    SchemaMigrator.Migrate(legacy);
    var postmaster = int.Parse(File.ReadLines(Path.Combine(folder, "pg", "data", "postmaster.pid")).First(), inv);
    Console.WriteLine($"backlog: {changes:N0} inserts per table, in transactions of 1,000 rows; machine: {Environment.ProcessorCount} cores");
    Console.WriteLine();

    await using var drivers = new Bench("drivers", legacy, postmaster, args => DriversApp.StartAsync(
    [
        $"--ConnectionStrings:Legacy={legacy}", $"--DriverStore:DataDirectory={Path.Combine(folder, "drivers")}", "--urls=http://127.0.0.1:0",
        "--Log:MinimumLevel=Warning", .. args,
    ], CancellationToken.None));
    await using var passengers = new Bench("passengers", legacy, postmaster, args => PassengersApp.StartAsync(
    [
        $"--ConnectionStrings:Legacy={legacy}", $"--ConnectionStrings:Passengers={cluster.GetConnectionString("passengers")}", "--urls=http://127.0.0.1:0",
        "--Log:MinimumLevel=Warning", .. args,
    ], CancellationToken.None));

    Console.WriteLine("| store | sync apply of the backlog: changes/s | CPU ms per 1k changes | plain loader of the same rows: rows/s | CPU ms per 1k rows | apply ÷ loader (rate) |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|");
    if (only != "all")
    {
        var measured = only == "drivers" ? await drivers.BacklogAsync(changes, InsertDriversAsync) : await passengers.BacklogAsync(changes, InsertPassengersAsync);
        Console.WriteLine(string.Create(inv, $"| {only} apply only | {measured.Rate:N0} | {measured.CpuMsPer1k:F0} | | | |"));
        return;
    }

    var driverApply = await drivers.BacklogAsync(changes, InsertDriversAsync);
    var driverLoad = await drivers.MeasureAsync(changes, () => LoadDriversAsync(legacy, Path.Combine(folder, "drivers-baseline")));
    Console.WriteLine(Row("Drivers (Garnet)", driverApply, driverLoad));
    var passengerApply = await passengers.BacklogAsync(changes, InsertPassengersAsync);
    var passengerLoad = await passengers.MeasureAsync(changes, () => LoadPassengersAsync(legacy, cluster.GetConnectionString("passengers_baseline")));
    Console.WriteLine(Row("Passengers (Marten)", passengerApply, passengerLoad));

    Console.WriteLine();
    Console.WriteLine("| store | commit → visible through the API at 2,000 changes/s: p50 | p99 | samples |");
    Console.WriteLine("|---|---:|---:|---:|");
    foreach (var (bench, path) in new[] { (drivers, "/api/drivers/"), (passengers, "/api/passengers/") })
    {
        var (p50, p99, samples) = await bench.LatencyAsync(latencySeconds, changes, path);
        Console.WriteLine(string.Create(inv, $"| {bench.Name} | {p50:F1} ms | {p99:F1} ms | {samples:N0} |"));
    }

    Console.WriteLine();
    Console.WriteLine($"| store | offered {steadyRate:N0} changes/s for {steadySeconds} s: achieved | lag p50 | lag max | caught up after the load stopped |");
    Console.WriteLine("|---|---:|---:|---:|---:|");
    foreach (var bench in new[] { drivers, passengers })
    {
        var (achieved, lag50, lagMax, drain) = await bench.SteadyAsync(steadyRate, steadySeconds, changes);
        Console.WriteLine(string.Create(inv, $"| {bench.Name} | {achieved:N0}/s | {lag50:N0} ms | {lagMax:N0} ms | {drain:N0} ms |"));
    }

}
finally
{
    await cluster.StopAsync(CancellationToken.None);
    Directory.Delete(folder, recursive: true);
}

static string Row(string name, Measured apply, Measured load) => string.Create(CultureInfo.InvariantCulture,
    $"| {name} | {apply.Rate:N0} | {apply.CpuMsPer1k:F0} | {load.Rate:N0} | {load.CpuMsPer1k:F0} | {apply.Rate / load.Rate:F2} |");

static async Task InsertDriversAsync(NpgsqlConnection connection, int from, int to)
{
    await using var insert = new NpgsqlCommand($"""
        INSERT INTO drivers (id, full_name, email, phone, licence_number, licence_expires_on, vehicle_make, vehicle_model, vehicle_plate, status, latitude, longitude, location_updated_at, rating, rating_count)
        SELECT g, 'Driver ' || g, 'driver' || g || '@bench.example', '+351 9' || lpad(g::text, 8, '0'), 'B-' || lpad(g::text, 8, '0'), DATE '2030-01-01' + (g % 900),
               'Toyota', 'Prius', 'BB-' || (g % 100) || '-CC', CASE WHEN g % 3 = 0 THEN 'available' ELSE 'offline' END, 38.7 + (g % 1000) / 10000.0, -9.1 - (g % 1000) / 10000.0, now(),
               3.5 + (g % 15) / 10.0, g % 200
        FROM generate_series({from}, {to}) g
        """, connection);
    await insert.ExecuteNonQueryAsync();
}

static async Task InsertPassengersAsync(NpgsqlConnection connection, int from, int to)
{
    await using var insert = new NpgsqlCommand($"""
        INSERT INTO passengers (id, full_name, email, phone, marketing_opt_in)
        SELECT g, 'Passenger ' || g, 'passenger' || g || '@bench.example', '+351 91' || lpad(g::text, 7, '0'), g % 2 = 0 FROM generate_series({from}, {to}) g
        """, connection);
    await insert.ExecuteNonQueryAsync();
}

// The plain loader for Drivers: the same records, pipelined HSET + index writes, 2,048 rows per round trip, into a fresh
// Garnet configured as the service's (append-only log, committed on request), one COMMITAOF at the end.
static async Task<Func<Task>> LoadDriversAsync(string legacy, string directory)
{
    var records = new List<DriverRecord>();
    await foreach (var row in LegacyRowsAsync(legacy, "public.drivers"))
    {
        records.Add(DriverProjection.Record(row));
    }

    return async () =>
    {
        using var garnet = EmbeddedGarnet.Start(new DriverStoreOptions { DataDirectory = directory });
        using var redis = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString);
        var db = redis.GetDatabase();
        foreach (var chunk in records.Chunk(2048))
        {
            var batch = db.CreateBatch();
            var writes = new List<Task>(chunk.Length * 6);
            foreach (var r in chunk)
            {
                var id = r.Id.ToString(CultureInfo.InvariantCulture);
                writes.Add(batch.HashSetAsync(DriverStore.Key(r.Id), r.ToFields().Select(f => new HashEntry(f.Field, f.Value)).ToArray()));
                writes.Add(batch.SortedSetAddAsync("drivers:ids", id, r.Id));
                writes.Add(batch.SortedSetAddAsync($"drivers:status:{RideShare.Contracts.Values.StatusNames.ToName(r.Status)}", id, r.Id));
                writes.Add(batch.HashSetAsync("drivers:email", r.Email, id));
                writes.Add(batch.HashSetAsync("drivers:licence", r.LicenceNumber, id));
                if (r.Status == RideShare.Contracts.Values.DriverStatus.Available && r.Latitude is { } lat && r.Longitude is { } lng)
                {
                    writes.Add(batch.GeoAddAsync("drivers:available", (double)lng, (double)lat, id));
                }
            }

            batch.Execute();
            await Task.WhenAll(writes);
        }

        await db.ExecuteAsync("COMMITAOF"); // durable at the end, as the sync is after each batch
    };
}

// The plain loader for Passengers: the same documents, Marten's bulk insert (COPY) into a fresh database.
static async Task<Func<Task>> LoadPassengersAsync(string legacy, string baseline)
{
    var documents = new List<PassengerDocument>();
    await foreach (var row in LegacyRowsAsync(legacy, "public.passengers"))
    {
        documents.Add(PassengerProjection.Document(row));
    }

    var store = await PassengersApp.OpenDocumentStoreAsync(baseline, CancellationToken.None);
    return async () =>
    {
        await store.BulkInsertAsync(documents, BulkInsertMode.InsertsOnly, batchSize: 2048);
        store.Dispose();
    };
}

static async IAsyncEnumerable<ChangeRow> LegacyRowsAsync(string legacy, string table)
{
    await using var connection = new NpgsqlConnection(legacy);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand($"SELECT * FROM {table} ORDER BY id", connection);
    await using var reader = await command.ExecuteReaderAsync();
    while (await reader.ReadAsync())
    {
        var row = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < reader.FieldCount; i++)
        {
            row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetDataTypeName(i) switch
            {
                "date" => reader.GetFieldValue<DateOnly>(i),
                "integer" => (long)reader.GetInt32(i),
                _ => reader.GetValue(i),
            };
        }

        yield return new ChangeRow(row, table);
    }
}

internal sealed record Measured(double Rate, double CpuMsPer1k);

/// <summary>One service against the legacy database: start, stop, and the measurements.</summary>
internal sealed class Bench(string name, string legacy, int postmaster, Func<string[], Task<WebApplication>> start) : IAsyncDisposable
{
    private WebApplication? _app;
    private HttpClient? _http;

    public string Name => name;

    private string Table => $"public.{name}";

    /// <summary>Creates the slot (empty snapshot) and stops; inserts the backlog; starts again and times the drain.</summary>
    public async Task<Measured> BacklogAsync(int changes, Func<NpgsqlConnection, int, int, Task> insert)
    {
        await StartAsync();
        await StopAsync();
        await using (var connection = new NpgsqlConnection(legacy))
        {
            await connection.OpenAsync();
            for (var from = 1; from <= changes; from += 1000)
            {
                await insert(connection, from, Math.Min(changes, from + 999));
            }
        }

        var end = await InsertLsnAsync();
        var cpu = Cpu.Now(postmaster);
        var (allocated, gcs, pause) = (GC.GetTotalAllocatedBytes(), GC.CollectionCount(0), GC.GetTotalPauseDuration());
        var watch = Stopwatch.StartNew();
        await StartAsync();
        var runner = _app!.Services.GetRequiredService<SyncRunner>();
        while (runner.Status.AppliedLsn < end)
        {
            await Task.Delay(5);
        }

        watch.Stop();
        var used = Cpu.Now(postmaster) - cpu;
        if (runner.Status.EventsApplied < changes)
        {
            throw new InvalidOperationException($"{name}: applied {runner.Status.EventsApplied} of {changes}");
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name} backlog: {(GC.GetTotalAllocatedBytes() - allocated) / changes:N0} bytes allocated per change, {GC.CollectionCount(0) - gcs} collections, {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:N0} ms paused in {watch.Elapsed.TotalMilliseconds:N0} ms"));

        return new Measured(changes / watch.Elapsed.TotalSeconds, used.TotalMilliseconds / (changes / 1000.0));
    }

    /// <summary>Times <paramref name="prepare"/>'s returned load (the preparation, reading the rows, is not timed).</summary>
    public async Task<Measured> MeasureAsync(int rows, Func<Task<Func<Task>>> prepare)
    {
        var load = await prepare();
        var cpu = Cpu.Now(postmaster);
        var watch = Stopwatch.StartNew();
        await load();
        watch.Stop();
        var used = Cpu.Now(postmaster) - cpu;
        return new Measured(rows / watch.Elapsed.TotalSeconds, used.TotalMilliseconds / (rows / 1000.0));
    }

    /// <summary>Updates at 2,000 rows/s (a 10-row transaction every 5 ms); for one row in ten transactions, polls the API from commit until it shows the new version.</summary>
    public async Task<(double P50, double P99, int Samples)> LatencyAsync(int seconds, int rows, string path)
    {
        var latencies = new List<double>();
        var probes = new List<Task>();
        await using var connection = new NpgsqlConnection(legacy);
        await connection.OpenAsync();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        var watch = Stopwatch.StartNew();
        var next = 1;
        for (var tx = 0; watch.Elapsed < TimeSpan.FromSeconds(seconds) && await timer.WaitForNextTickAsync(); tx++)
        {
            var ids = Enumerable.Range(0, 10).Select(i => ((next + i - 1) % rows) + 1).ToArray();
            next += 10;
            await using var update = new NpgsqlCommand($"UPDATE {Table} SET version = version + 1, updated_at = clock_timestamp() WHERE id = ANY($1) RETURNING version", connection);
            update.Parameters.Add(new NpgsqlParameter { Value = ids });
            var version = Convert.ToInt32(await update.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
            var committed = Stopwatch.GetTimestamp();
            if (tx % 10 == 0)
            {
                probes.Add(ProbeAsync(path + ids[0].ToString(CultureInfo.InvariantCulture), version, committed, latencies));
            }
        }

        await Task.WhenAll(probes);
        latencies.Sort();
        return (latencies[latencies.Count / 2], latencies[Math.Min(latencies.Count - 1, (int)(latencies.Count * 0.99))], latencies.Count);
    }

    /// <summary>Offers <paramref name="rate"/> updates/s (100-row transactions) and samples the sync's lag every 100 ms.</summary>
    public async Task<(double Achieved, double LagP50, double LagMax, double DrainMs)> SteadyAsync(int rate, int seconds, int rows)
    {
        var runner = _app!.Services.GetRequiredService<SyncRunner>();
        var lags = new List<double>();
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            while (await tick.WaitForNextTickAsync(stop.Token).AsTask().ContinueWith(t => !t.IsCanceled && t.Result))
            {
                lags.Add(runner.Status.LagMilliseconds ?? 0);
            }
        });
        await using var connection = new NpgsqlConnection(legacy);
        await connection.OpenAsync();
        var perTransaction = 100;
        var interval = TimeSpan.FromSeconds(perTransaction / (double)rate);
        var watch = Stopwatch.StartNew();
        long written = 0;
        var next = 1;
        while (watch.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            // Paced by the clock, not by a timer tick: transactions due so far are sent now.
            while (written < rate * watch.Elapsed.TotalSeconds && watch.Elapsed < TimeSpan.FromSeconds(seconds))
            {
                var ids = Enumerable.Range(0, perTransaction).Select(i => ((next + i - 1) % rows) + 1).ToArray();
                next += perTransaction;
                await using var update = new NpgsqlCommand($"UPDATE {Table} SET version = version + 1, updated_at = clock_timestamp() WHERE id = ANY($1)", connection);
                update.Parameters.Add(new NpgsqlParameter { Value = ids });
                await update.ExecuteNonQueryAsync();
                written += perTransaction;
            }

            await Task.Delay(interval / 2);
        }

        var elapsed = watch.Elapsed;
        var end = await InsertLsnAsync();
        var drain = Stopwatch.StartNew();
        while (runner.Status.AppliedLsn < end)
        {
            await Task.Delay(5);
        }

        drain.Stop();
        await stop.CancelAsync();
        await sampler;
        lags.Sort();
        return (written / elapsed.TotalSeconds, lags[lags.Count / 2], lags[^1], drain.Elapsed.TotalMilliseconds);
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    public async Task StopAsync()
    {
        _http?.Dispose();
        _http = null;
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    private async Task ProbeAsync(string path, int version, long committed, List<double> latencies)
    {
        while (true)
        {
            var body = await _http!.GetFromJsonAsync<JsonElement>(path);
            if (body.GetProperty("version").GetInt32() >= version)
            {
                var ms = Stopwatch.GetElapsedTime(committed).TotalMilliseconds;
                lock (latencies)
                {
                    latencies.Add(ms);
                }

                return;
            }

            await Task.Delay(1);
        }
    }

    private async Task StartAsync()
    {
        _app = await start([]);
        _http = new HttpClient { BaseAddress = new Uri(_app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };
        await _app.Services.GetRequiredService<SyncRunner>().Streaming.Task.WaitAsync(TimeSpan.FromMinutes(5));
    }

    private async Task<ulong> InsertLsnAsync()
    {
        await using var connection = new NpgsqlConnection(legacy);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_current_wal_insert_lsn()", connection);
        return (ulong)(NpgsqlLogSequenceNumber)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>CPU time (user + system) of this process and of every PostgreSQL server process, from /proc.</summary>
internal static class Cpu
{
    public static TimeSpan Now(int postmaster)
    {
        var ticks = Ticks(Environment.ProcessId);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && (pid == postmaster || Parent(pid) == postmaster))
            {
                ticks += Ticks(pid);
            }
        }

        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ
    }

    private static long Ticks(int pid)
    {
        var fields = Stat(pid);
        return fields is null ? 0 : long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    private static int Parent(int pid) => Stat(pid) is { } fields ? int.Parse(fields[1], CultureInfo.InvariantCulture) : -1;

    /// <summary>The fields after the command name (which may hold spaces): [0] state, [1] ppid, ... [11] utime, [12] stime.</summary>
    private static string[]? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }
}
