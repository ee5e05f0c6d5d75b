using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Strangler.Cdc.Capture;
using Strangler.Cdc.Delivery;
using Strangler.Cdc.Events;
using Strangler.Testing;

namespace Strangler.Cdc.Tests;

/// <summary>
/// Runs the real engine against the class's database with an embedded sink that records every event.
/// Each use names its own slot and publication, and drops the slot when disposed.
/// </summary>
public sealed class CdcHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly string _connectionString;
    private CdcEngine? _engine;

    public CdcEngine? Engine => _engine;
    private Task? _run;

    public CdcHarness(string connectionString, string name, params string[] tables)
    {
        _connectionString = connectionString;
        Options = new CdcOptions
        {
            ConnectionString = connectionString,
            Slot = $"slot_{name}",
            Publication = $"pub_{name}",
            Tables = [.. tables],
            TopicPrefix = "pg",
            HeartbeatIntervalMilliseconds = 0,
        };
    }

    public CdcOptions Options { get; }

    /// <summary>A real sink the engine delivers to (e.g. Kafka); records are noted only once it accepted them.</summary>
    public IChangeSink? Forward { get; init; }

    public ConcurrentQueue<ChangeRecord> Records { get; } = new();

    public IEnumerable<ChangeRecord> DataRecords => Records.Where(r => !r.Topic.StartsWith("__debezium-heartbeat", StringComparison.Ordinal));

    public static string Text(byte[]? bytes) => bytes is null ? "null" : Encoding.UTF8.GetString(bytes);

    /// <summary>Starts the engine without waiting for it to stream (a standby waits for another instance's slot).</summary>
    public void Begin()
    {
        _engine = new CdcEngine(Options, new RecordingSink(this), NullLogger.Instance);
        _run = Task.Run(() => _engine.RunAsync(_stop.Token));
    }

    /// <summary>Starts the engine and waits until it streams (the snapshot, if any, is delivered).</summary>
    public async Task StartAsync()
    {
        Begin();
        // Deadlines everywhere: a stuck engine fails its test instead of hanging the run.
        var run = _run!;
        await Task.WhenAny(_engine!.Streaming.Task, run).Unwrap().WaitAsync(TimeSpan.FromMinutes(2));
        if (run.IsCompleted)
        {
            await run; // surfaces a configuration error
        }
    }

    public async Task WaitForAsync(Func<IReadOnlyList<ChangeRecord>, bool> condition, string what) =>
        await Eventually.TrueAsync(() => Task.FromResult(condition(DataRecords.ToList())), what, 30_000);

    /// <summary>Stops the engine (as a crash would, mid-stream) and waits until the slot is released.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            try
            {
                // Generous: a stop takes milliseconds, but with the whole suite on two cores (other assemblies start
                // whole stacks meanwhile) it once took over a minute. A hung engine still fails here.
                await _run.WaitAsync(TimeSpan.FromMinutes(3));
            }
            catch (Exception e) when (e is OperationCanceledException or CdcConfigurationException or UnencodableEventException)
            {
                // Cancelled as asked, or an error that stopped the engine, which the test already observed.
            }
        }

        await Eventually.TrueAsync(async () => !await SlotActiveAsync(), "the slot to be released");
    }

    public Task ExecuteAsync(string sql) => Sql.ExecuteAsync(_connectionString, sql);

    /// <summary>Whether a walsender currently holds <paramref name="slot"/>.</summary>
    public static Task<bool> SlotActiveAsync(string connectionString, string slot) =>
        Sql.ScalarAsync<bool>(connectionString, $"SELECT coalesce(bool_or(active), false) FROM pg_replication_slots WHERE slot_name = '{slot}'");

    private Task<bool> SlotActiveAsync() => SlotActiveAsync(_connectionString, Options.Slot);

    private sealed class RecordingSink(CdcHarness harness) : IChangeSink
    {
        public async Task PublishAsync(IReadOnlyList<ChangeRecord> records, CancellationToken cancellationToken)
        {
            if (harness.Forward is { } forward)
            {
                await forward.PublishAsync(records, cancellationToken);
            }

            foreach (var record in records)
            {
                harness.Records.Enqueue(record);
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        await ExecuteAsync($"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{Options.Slot}'");
        _stop.Dispose();
    }
}
