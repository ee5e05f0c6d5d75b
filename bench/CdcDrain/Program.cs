using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Strangler.Cdc.Capture;
using Strangler.Cdc.Delivery;
using Strangler.Cdc.Events;
using Strangler.Hosting.Postgres;

// Usage: dotnet run -c Release --project bench/CdcDrain -- [changes] [latency-seconds] [runs]
// Each run builds a new backlog of `changes` inserts and drains it three ways: (a) pg_recvlogical, (b) the
// connector into the embedded sink, (c) the connector into Kafka (mock cluster). Medians and spread over the
// runs; the connector's CPU time (this process, /proc/self/stat through Process.TotalProcessorTime) per drain.
var changes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200_000;
var latencySeconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
var runs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
var folder = Path.Combine(Path.GetTempPath(), $"strangler-bench-cdc-{Guid.NewGuid():N}");
await using var cluster = await EmbeddedPostgresCluster.StartAsync(new EmbeddedPostgresOptions { DataDirectory = folder }, NullLogger.Instance, CancellationToken.None);
try
{
    await cluster.EnsureDatabaseAsync("bench", CancellationToken.None);
    var cs = cluster.GetConnectionString("bench");
    await ExecAsync(cs, "CREATE TABLE events (id bigint PRIMARY KEY, amount numeric(10,2) NOT NULL, note text, at timestamptz NOT NULL DEFAULT now())");
    await ExecAsync(cs, "CREATE PUBLICATION bench FOR TABLE events");
    using var mock = new MockKafkaCluster();
    await using var kafka = new KafkaSink(new KafkaSinkOptions { BootstrapServers = mock.BootstrapServers }, NullLogger.Instance);
    var recvRates = new List<double>();
    var embedded = new List<Drain>();
    var toKafka = new List<Drain>();
    for (var run = 1; run <= runs; run++)
    {
        await ExecAsync(cs, "TRUNCATE events");
        foreach (var slot in new[] { "recv", "embedded", "kafka" })
        {
            await ExecAsync(cs, $"SELECT pg_create_logical_replication_slot('{slot}', 'pgoutput')");
        }

        for (var start = 1; start <= changes; start += 1000)
        {
            await ExecAsync(cs, $"INSERT INTO events (id, amount, note) SELECT g, g % 1000 + 0.25, 'event ' || g FROM generate_series({start}, {Math.Min(changes, start + 999)}) g");
        }

        var end = await ScalarAsync(cs, "SELECT pg_current_wal_lsn()::text");
        // Nothing else runs during the drains: autovacuum would otherwise pick the fresh table up mid-drain.
        await ExecAsync(cs, "VACUUM ANALYZE events");
        await ExecAsync(cs, "CHECKPOINT");

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
        // The three drains take turns going first (the first one reads the WAL from disk or a colder cache).
        for (var turn = 0; turn < 3; turn++)
        {
            switch ((turn + run) % 3)
            {
                case 0:
                    var a = Stopwatch.StartNew();
                    using (var process = Process.Start(recv)!)
                    {
                        await process.WaitForExitAsync();
                    }

                    recvRates.Add(changes / a.Elapsed.TotalSeconds);
                    break;
                case 1:
                    embedded.Add(await DrainAsync(cs, "embedded", changes, new EmbeddedSink((_, _) => ValueTask.CompletedTask)));
                    break;
                default:
                    toKafka.Add(await DrainAsync(cs, "kafka", changes, kafka));
                    break;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"run {run}: pg_recvlogical {recvRates[^1]:N0}/s, embedded {embedded[^1].Rate:N0}/s ({embedded[^1].PerCpuSecond:N0}/CPU-s), kafka {toKafka[^1].Rate:N0}/s ({toKafka[^1].PerCpuSecond:N0}/CPU-s)"));
        foreach (var slot in new[] { "recv", "embedded", "kafka" })
        {
            await ExecAsync(cs, $"SELECT pg_drop_replication_slot('{slot}')");
        }
    }

    var recvMedian = Median(recvRates);
    Console.WriteLine();
    Console.WriteLine($"backlog: {changes:N0} inserts in {(changes + 999) / 1000} transactions; {runs} runs; medians, [min – max]");
    Console.WriteLine("| drain of the backlog | events/s | ratio to (a) | events per connector CPU-second |");
    Console.WriteLine("|---|---:|---:|---:|");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| (a) pg_recvlogical, pgoutput → /dev/null | {recvMedian:N0} [{recvRates.Min():N0} – {recvRates.Max():N0}] | 1.00 | – |"));
    Row("(b) connector → embedded sink", embedded);
    Row("(c) connector → Kafka (mock cluster)", toKafka);

    void Row(string name, List<Drain> drains)
    {
        var rates = drains.Select(d => d.Rate).ToList();
        var ratios = drains.Select((d, i) => d.Rate / recvRates[i]).ToList();
        var perCpu = drains.Select(d => d.PerCpuSecond).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {Median(rates):N0} [{rates.Min():N0} – {rates.Max():N0}] | {Median(ratios):F2} [{ratios.Min():F2} – {ratios.Max():F2}] | {Median(perCpu):N0} [{perCpu.Min():N0} – {perCpu.Max():N0}] |"));
    }

    if (latencySeconds > 0)
    {
        var (p50, p99, count) = await LatencyAsync(cs, mock.BootstrapServers, latencySeconds);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"commit-to-Kafka-ack latency at 2,000 changes/s for {latencySeconds} s ({count:N0} events): p50 {p50:F1} ms, p99 {p99:F1} ms"));
    }
}
finally
{
    await cluster.StopAsync(CancellationToken.None);
    Directory.Delete(folder, recursive: true);
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static async Task<Drain> DrainAsync(string cs, string slot, int expected, IChangeSink inner)
{
    var sink = new CountingSink(inner, expected);
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
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

    var elapsed = watch.Elapsed;
    var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
    return new Drain(expected / elapsed.TotalSeconds, expected / cpuUsed.TotalSeconds);
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
        await inner.PublishAsync(records, cancellationToken);
        var acked = DateTimeOffset.UtcNow;
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

/// <summary>One drain: events/s of wall time and events per CPU-second of this process (the connector).</summary>
internal readonly record struct Drain(double Rate, double PerCpuSecond);
