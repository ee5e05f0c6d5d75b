using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Strangler.Cdc.Capture;
using Strangler.Cdc.Delivery;
using Strangler.Cdc.Events;
using Strangler.Hosting.Postgres;

// Usage: dotnet run -c Release --project bench/CdcDrain -- [changes] [latency-seconds]
var changes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200_000;
var latencySeconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
var folder = Path.Combine(Path.GetTempPath(), $"strangler-bench-cdc-{Guid.NewGuid():N}");
await using var cluster = await EmbeddedPostgresCluster.StartAsync(new EmbeddedPostgresOptions { DataDirectory = folder }, NullLogger.Instance, CancellationToken.None);
try
{
    await cluster.EnsureDatabaseAsync("bench", CancellationToken.None);
    var cs = cluster.GetConnectionString("bench");
    await ExecAsync(cs, "CREATE TABLE events (id bigint PRIMARY KEY, amount numeric(10,2) NOT NULL, note text, at timestamptz NOT NULL DEFAULT now())");
    await ExecAsync(cs, "CREATE PUBLICATION bench FOR TABLE events");
    foreach (var slot in new[] { "recv", "embedded", "kafka" })
    {
        await ExecAsync(cs, $"SELECT pg_create_logical_replication_slot('{slot}', 'pgoutput')");
    }
    for (var start = 1; start <= changes; start += 1000)
    {
        await ExecAsync(cs, $"INSERT INTO events (id, amount, note) SELECT g, g % 1000 + 0.25, 'event ' || g FROM generate_series({start}, {Math.Min(changes, start + 999)}) g");
    }

    var end = await ScalarAsync(cs, "SELECT pg_current_wal_lsn()::text");
    Console.WriteLine($"backlog: {changes:N0} inserts in {(changes + 999) / 1000} transactions, up to {end}");

    // (a) the decoding ceiling: pg_recvlogical with pgoutput, to /dev/null
    var builder = new NpgsqlConnectionStringBuilder(cs);
    var recv = new ProcessStartInfo(Path.Combine(PostgresBinaries.Locate(), "pg_recvlogical"))
    {
        ArgumentList =
        {
            "-h", "127.0.0.1", "-p", builder.Port.ToString(CultureInfo.InvariantCulture), "-U", builder.Username!, "-d", "bench",
            "--slot", "recv", "--start", "-o", "proto_version=1", "-o", "publication_names=bench", "-f", "/dev/null",
            "-E", end, "--no-loop",
        },
        Environment = { ["PGPASSWORD"] = builder.Password },
    };
    var a = Stopwatch.StartNew();
    using (var process = Process.Start(recv)!)
    {
        await process.WaitForExitAsync();
    }

    a.Stop();

    var b = await DrainAsync(cs, "embedded", changes, new EmbeddedSink((_, _) => ValueTask.CompletedTask));
    using var mock = new MockKafkaCluster();
    await using var kafka = new KafkaSink(new KafkaSinkOptions { BootstrapServers = mock.BootstrapServers }, NullLogger.Instance);
    var c = await DrainAsync(cs, "kafka", changes, kafka);

    var rate = (TimeSpan t) => changes / t.TotalSeconds;
    Console.WriteLine();
    Console.WriteLine("| drain of the backlog | events/s | ratio to pg_recvlogical |");
    Console.WriteLine("|---|---:|---:|");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| (a) pg_recvlogical, pgoutput → /dev/null | {rate(a.Elapsed):N0} | 1.00 |"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| (b) connector → embedded sink | {rate(b):N0} | {a.Elapsed / b:F2} |"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| (c) connector → Kafka (mock cluster) | {rate(c):N0} | {a.Elapsed / c:F2} |"));

    var (p50, p99, count) = await LatencyAsync(cs, mock.BootstrapServers, latencySeconds);
    Console.WriteLine();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"commit-to-Kafka-ack latency at 2,000 changes/s for {latencySeconds} s ({count:N0} events): p50 {p50:F1} ms, p99 {p99:F1} ms"));
}
finally
{
    await cluster.StopAsync(CancellationToken.None);
    Directory.Delete(folder, recursive: true);
}

static async Task<TimeSpan> DrainAsync(string cs, string slot, int expected, IChangeSink inner)
{
    var sink = new CountingSink(inner, expected);
    var engine = new CdcEngine(new CdcOptions
    {
        ConnectionString = cs, Publication = "bench", Slot = slot, Tables = ["public.events"], TopicPrefix = "bench", HeartbeatIntervalMilliseconds = 0,
        SnapshotMode = SnapshotMode.Never, // the slot was created up front: drain the backlog only
    }, sink, NullLogger.Instance);
    var watch = Stopwatch.StartNew();
    try
    {
        await engine.RunAsync(sink.Done.Token);
    }
    catch (OperationCanceledException)
    {
    }

    return watch.Elapsed;
}

static async Task<(double P50, double P99, int Count)> LatencyAsync(string cs, string bootstrap, int seconds)
{
    await ExecAsync(cs, "SELECT pg_create_logical_replication_slot('latency', 'pgoutput')");
    var latencies = new List<double>();
    await using var kafka = new KafkaSink(new KafkaSinkOptions { BootstrapServers = bootstrap }, NullLogger.Instance);
    var sink = new TimingSink(kafka, latencies);
    using var stop = new CancellationTokenSource();
    var engine = new CdcEngine(new CdcOptions
    {
        ConnectionString = cs, Publication = "bench", Slot = "latency", Tables = ["public.events"], TopicPrefix = "bench", HeartbeatIntervalMilliseconds = 0,
        SnapshotMode = SnapshotMode.Never,
    }, sink, NullLogger.Instance);
    var run = Task.Run(() => engine.RunAsync(stop.Token));
    await engine.Streaming.Task;
    // 2,000 changes/s: a 10-row transaction every 5 ms.
    await using (var connection = new NpgsqlConnection(cs))
    {
        await connection.OpenAsync();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        var id = 10_000_000L;
        var until = Stopwatch.StartNew();
        while (until.Elapsed < TimeSpan.FromSeconds(seconds) && await timer.WaitForNextTickAsync())
        {
            await using var insert = new NpgsqlCommand($"INSERT INTO events (id, amount, note) SELECT g, 1.5, 'steady' FROM generate_series({id}, {id + 9}) g", connection);
            await insert.ExecuteNonQueryAsync();
            id += 10;
        }
    }

    await stop.CancelAsync();
    try
    {
        await run;
    }
    catch (OperationCanceledException)
    {
    }

    lock (latencies)
    {
        latencies.Sort();
        return (latencies[(int)(latencies.Count * 0.5)], latencies[Math.Min(latencies.Count - 1, (int)(latencies.Count * 0.99))], latencies.Count);
    }
}

static async Task ExecAsync(string cs, string sql)
{
    await using var connection = new NpgsqlConnection(cs);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    await command.ExecuteNonQueryAsync();
}

static async Task<string> ScalarAsync(string cs, string sql)
{
    await using var connection = new NpgsqlConnection(cs);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    return (string)(await command.ExecuteScalarAsync())!;
}

/// <summary>Counts delivered records and cancels the run once the backlog is drained.</summary>
internal sealed class CountingSink(IChangeSink inner, int expected) : IChangeSink
{
    private long _count;

    public CancellationTokenSource Done { get; } = new();

    public async Task PublishAsync(IReadOnlyList<ChangeRecord> records, CancellationToken cancellationToken)
    {
        await inner.PublishAsync(records, cancellationToken);
        if (Interlocked.Add(ref _count, records.Count) >= expected)
        {
            await Done.CancelAsync();
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Records, for each event, the time from its transaction's commit (source.ts_us) to the sink's acknowledgement.</summary>
internal sealed class TimingSink(IChangeSink inner, List<double> latencies) : IChangeSink
{
    public int Seen;

    public async Task PublishAsync(IReadOnlyList<ChangeRecord> records, CancellationToken cancellationToken)
    {
        var handed = DateTimeOffset.UtcNow;
        await inner.PublishAsync(records, cancellationToken);
        var acked = DateTimeOffset.UtcNow;
        if (Environment.GetEnvironmentVariable("EXP") == "1" && records.Count > 0 && records[0].Value is { } v0)
        {
            using var j = JsonDocument.Parse(v0);
            var c = DateTimeOffset.UnixEpoch.AddTicks(j.RootElement.GetProperty("payload").GetProperty("source").GetProperty("ts_us").GetInt64() * 10);
            Console.Error.WriteLine($"capture {(handed - c).TotalMilliseconds:F1} ms, kafka {(acked - handed).TotalMilliseconds:F1} ms");
        }
        lock (latencies)
        {
            foreach (var record in records.Where(r => r.Value is not null))
            {
                using var json = JsonDocument.Parse(record.Value!);
                var commitUs = json.RootElement.GetProperty("payload").GetProperty("source").GetProperty("ts_us").GetInt64();
                latencies.Add((acked - DateTimeOffset.UnixEpoch.AddTicks(commitUs * 10)).TotalMilliseconds);
                Seen++;
            }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
