using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using NpgsqlTypes;
using Strangler.Cdc.Capture;
using Strangler.Cdc.Consumer;
using Strangler.Cdc.Delivery;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Apply;

/// <summary>
/// Keeps a service's store in step with legacy tables: reads Debezium events — from its own capture of the
/// legacy database (the embedded default: a slot of its own, no broker) or from Kafka topics as a consumer
/// group — decodes them, and hands each batch to the <see cref="ISyncTarget"/>, which applies it together with
/// its checkpoint. The source position (slot or Kafka offsets) moves only after the target committed, so a
/// crash redelivers and the target's per-row positions make the replay a no-op: exactly-once effect.
/// Malformed events and the connector's dead letters are dead-lettered by the target; nothing stops the stream.
/// </summary>
public sealed class SyncRunner(ISyncTarget target, SyncRunnerOptions options, ILogger logger, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly object _lock = new();
    private SyncCheckpoint _checkpoint = SyncCheckpoint.Start;
    private SyncState _state = options.Enabled ? SyncState.Starting : SyncState.Disabled;
    private long _applied;
    private long _stale;
    private long _deadLetters;
    private DateTimeOffset? _lastAppliedAt;
    private string? _lastError;
    private CdcEngine? _engine;
    private ulong? _ownedFrom;
    private long _violations;

    /// <summary>Completed once the store has caught up with the snapshot and changes are streaming.</summary>
    public TaskCompletionSource Streaming { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Events applied since start.</summary>
    public long EventsApplied => Interlocked.Read(ref _applied);

    /// <summary>The status, as /sync/status shows it.</summary>
    public SyncStatus Status
    {
        get
        {
            lock (_lock)
            {
                var lag = _checkpoint.CaughtUp ? 0 : _checkpoint.CommitTime is { } at ? Math.Max(0, (_time.GetUtcNow() - at).TotalMilliseconds) : (double?)null;
                return new SyncStatus(
                    _state.ToString().ToLowerInvariant(), options.UsesKafka ? "kafka" : "embedded", _checkpoint.Lsn, new NpgsqlLogSequenceNumber(_checkpoint.Lsn).ToString(),
                    lag, _applied, _stale, _deadLetters, _lastAppliedAt, _lastError)
                {
                    Owner = _ownedFrom is null ? "legacy" : "service",
                    OwnerFence = _ownedFrom,
                    SingleWriterViolations = _violations,
                };
            }
        }
    }

    /// <summary>
    /// Records who owns the writes (the proxy says so after a handoff): while the service does, every legacy change
    /// committed after <paramref name="fence"/> that reaches the sync — our reverse sync's are skipped by the capture —
    /// was written by a second writer, and is counted and logged as a single-writer violation.
    /// </summary>
    public void SetOwner(bool service, ulong fence)
    {
        lock (_lock)
        {
            _ownedFrom = service ? fence : null;
        }
    }

    /// <summary>Runs until cancelled. Configuration errors throw; store and transport failures are retried.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!options.Enabled)
        {
            throw new InvalidOperationException("This sync is disabled (Sync:Enabled=false).");
        }

        if (await target.ReadCheckpointAsync(cancellationToken) is { } stored)
        {
            lock (_lock)
            {
                _checkpoint = stored with { CaughtUp = false };
            }
        }

        Interlocked.Exchange(ref _deadLetters, await target.DeadLetterCountAsync(cancellationToken));
        if (options.UsesKafka)
        {
            await RunKafkaAsync(cancellationToken);
        }
        else
        {
            await RunEmbeddedAsync(cancellationToken);
        }
    }

    private async Task RunEmbeddedAsync(CancellationToken cancellationToken)
    {
        var cdc = new CdcOptions
        {
            ConnectionString = options.LegacyConnectionString,
            Slot = options.Slot,
            Publication = options.Publication,
            Tables = [.. options.Tables],
            TopicPrefix = options.TopicPrefix,
            HeartbeatIntervalMilliseconds = options.HeartbeatIntervalMilliseconds,
            MaxBatchSize = options.MaxBatchSize,
            EventFailureHandling = EventFailureHandling.DeadLetter,
        };
        _engine = new CdcEngine(cdc, new EmbeddedSink(this), logger, _time);
        var run = _engine.RunAsync(cancellationToken);
        _ = _engine.Streaming.Task.ContinueWith(_ => SetState(SyncState.Streaming), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        try
        {
            await run;
        }
        catch (Exception e) when (e is CdcConfigurationException or Npgsql.NpgsqlException && !cancellationToken.IsCancellationRequested)
        {
            Fail(e);
            throw;
        }
    }

    private async Task RunKafkaAsync(CancellationToken cancellationToken)
    {
        var topics = options.KafkaTopics.Count > 0 ? options.KafkaTopics : options.Tables.Select(t => $"{options.TopicPrefix}.{t}").ToList();
        using var source = new KafkaChangeSource(options.KafkaBootstrapServers, options.KafkaGroupId, topics, config =>
        {
            foreach (var (name, value) in options.KafkaSettings)
            {
                config.Set(name, value);
            }
        });
        SetState(SyncState.Streaming);
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!cancellationToken.IsCancellationRequested)
        {
            var records = await source.ReadBatchAsync(options.MaxBatchSize, TimeSpan.FromMilliseconds(250), cancellationToken);
            if (records.Count == 0)
            {
                continue;
            }

            try
            {
                await ApplyAsync(records.Select(r => new RawEvent(r.Position.Topic, r.Key, r.Value, 0, r.Position.ToString())).ToList(),
                    offsets: records.GroupBy(r => $"{r.Position.Topic}/{r.Position.Partition.Value}").ToDictionary(g => g.Key, g => g.Max(r => r.Position.Offset.Value) + 1),
                    cancellationToken);
                source.Commit(records.GroupBy(r => r.Position.TopicPartition).Select(g => g.MaxBy(r => r.Position.Offset.Value).Position));
                backoff = TimeSpan.FromMilliseconds(200);
            }
            catch (Exception e) when (e is not OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Nothing of the batch was stored: read it again from the committed offsets.
                logger.LogWarning("Sync: applying {Count} events failed ({Error}); retrying in {Delay} ms", records.Count, e.Message, backoff.TotalMilliseconds);
                BatchFailed(e.Message);

                await Task.Delay(backoff, cancellationToken);
                backoff = TimeSpan.FromMilliseconds(Math.Min(30_000, backoff.TotalMilliseconds * 2));
                source.Rewind();
            }
        }
    }

    /// <summary>Decodes, dead-letters what cannot be read, and applies one batch with its checkpoint.</summary>
    private async Task ApplyAsync(IReadOnlyList<RawEvent> events, IReadOnlyDictionary<string, long>? offsets, CancellationToken cancellationToken)
    {
        var changes = new List<SourceChange>(events.Count);
        var deadLetters = new List<DeadLetter>();
        SyncCheckpoint checkpoint;
        lock (_lock)
        {
            checkpoint = _checkpoint;
        }

        var lsn = checkpoint.Lsn;
        var commitTime = checkpoint.CommitTime;
        var caughtUp = false;
        var deadLetterTopic = $"{options.TopicPrefix}.dlq";
        foreach (var raw in events)
        {
            if (raw.Topic.StartsWith("__debezium-heartbeat", StringComparison.Ordinal))
            {
                caughtUp = true; // everything up to the heartbeat's position was handed over before it
                lsn = Math.Max(lsn, raw.Lsn);
                continue;
            }

            if (raw.Value is null || raw.Topic.EndsWith(".transaction", StringComparison.Ordinal))
            {
                continue; // tombstones follow their delete; transaction boundaries carry no row
            }

            if (raw.Topic == deadLetterTopic)
            {
                deadLetters.Add(ConnectorDeadLetter(raw));
                caughtUp = false;
                continue;
            }

            try
            {
                var change = DebeziumEventReader.Read(raw.Key, raw.Value, raw.Position);
                var source = change.Source;
                var changeLsn = source?.Lsn is { } l and >= 0 ? (ulong)l : raw.Lsn;
                var at = source?.Timestamp;
                changes.Add(new SourceChange(change, $"{source?.Schema}.{source?.Table}", changeLsn, at, raw.Position, raw.Key, raw.Value));
                lsn = Math.Max(lsn, changeLsn);
                commitTime = at ?? commitTime;
                caughtUp = false;
            }
            catch (MalformedEventException e)
            {
                deadLetters.Add(new DeadLetter($"malformed event: {e.Reason}", raw.Topic, raw.Position, raw.Lsn, raw.Key, raw.Value, _time.GetUtcNow()));
            }
        }

        var next = new SyncCheckpoint(lsn, commitTime, caughtUp, offsets is null ? checkpoint.KafkaOffsets : Merge(checkpoint.KafkaOffsets, offsets));
        if (changes.Count == 0 && deadLetters.Count == 0 && next.Lsn == checkpoint.Lsn && next.CaughtUp == checkpoint.CaughtUp)
        {
            return;
        }

        var outcome = await target.ApplyAsync(new ApplyBatch(changes, deadLetters, next), cancellationToken);
        ulong? ownedFrom;
        lock (_lock)
        {
            ownedFrom = _ownedFrom;
        }

        var violations = ownedFrom is { } fence ? changes.Count(c => !c.IsSnapshot && c.Lsn > fence) : 0;
        if (violations > 0)
        {
            logger.LogError(
                "Single-writer violation: {Count} legacy change(s) to a resource this service owns, written without the reverse sync (e.g. {Table} at {Lsn})",
                violations, changes.First(c => c.Lsn > ownedFrom!.Value).Table, new NpgsqlLogSequenceNumber(changes.First(c => c.Lsn > ownedFrom!.Value).Lsn));
        }

        lock (_lock)
        {
            _violations += violations;
            if (_state == SyncState.Retrying)
            {
                _state = SyncState.Streaming;
            }

            _checkpoint = next;
            _applied += outcome.Applied;
            _stale += outcome.Stale;
            _deadLetters += outcome.DeadLettered;
            _lastError = null;
            if (outcome.Applied > 0)
            {
                _lastAppliedAt = _time.GetUtcNow();
            }

            if (_state == SyncState.Starting && changes.Count > 0 && changes[0].Change.Operation == ChangeOperation.Read)
            {
                _state = SyncState.Snapshotting;
            }
        }

        if (outcome.DeadLettered > 0)
        {
            logger.LogError("Sync: {Count} event(s) dead-lettered (see the store's dead letters)", outcome.DeadLettered);
        }
    }

    private DeadLetter ConnectorDeadLetter(RawEvent raw)
    {
        var reason = "dead-lettered by the connector";
        var table = raw.Topic;
        try
        {
            using var document = JsonDocument.Parse(raw.Value!);
            reason = document.RootElement.TryGetProperty("reason", out var r) ? $"dead-lettered by the connector: {r.GetString()}" : reason;
            table = document.RootElement.TryGetProperty("table", out var t) ? t.GetString() ?? table : table;
        }
        catch (JsonException)
        {
        }

        return new DeadLetter(reason, table, raw.Position, raw.Lsn, raw.Key, raw.Value, _time.GetUtcNow());
    }

    private static Dictionary<string, long> Merge(IReadOnlyDictionary<string, long>? before, IReadOnlyDictionary<string, long> now)
    {
        var merged = before is null ? new Dictionary<string, long>(StringComparer.Ordinal) : new Dictionary<string, long>(before, StringComparer.Ordinal);
        foreach (var (partition, offset) in now)
        {
            merged[partition] = offset;
        }

        return merged;
    }

    private void SetState(SyncState state)
    {
        lock (_lock)
        {
            _state = state;
        }

        if (state == SyncState.Streaming)
        {
            Streaming.TrySetResult();
        }
    }

    /// <summary>
    /// A batch could not be applied: the sync is retrying, and something is pending whatever an earlier heartbeat proved
    /// (a handoff's check waits for it to stream again). The lag is measured
    /// again (from the newest applied change's commit time) until a batch applies, so a stalled sync never shows 0.
    /// </summary>
    private void BatchFailed(string error)
    {
        lock (_lock)
        {
            _lastError = error;
            _checkpoint = _checkpoint with { CaughtUp = false };
            if (_state == SyncState.Streaming)
            {
                _state = SyncState.Retrying;
            }
        }
    }

    private void Fail(Exception e)
    {
        lock (_lock)
        {
            _state = SyncState.Failed;
            _lastError = e.Message;
        }
    }

    private sealed record RawEvent(string Topic, string? Key, string? Value, ulong Lsn, string Position);

    /// <summary>
    /// The embedded engine's sink: each batch it delivers is applied before the engine confirms its LSN to the slot.
    /// The engine hands batches over without waiting for the previous one (its pipeline keeps them in order), so
    /// this sink chains them: a batch is applied only after the one before it committed, never beside it — two
    /// commits racing could let an older row image overwrite a newer one, or the checkpoint move backwards.
    /// After a batch fails, the later batches of that stream fail too (applying them would leave a gap), until the
    /// engine has seen the failure (its delivery-failure count moved) and resumes from the slot, which redelivers
    /// the failed batch: then a new chain starts, after whatever of the old one is still finishing.
    /// </summary>
    private sealed class EmbeddedSink(SyncRunner runner) : IChangeSink
    {
        private readonly object _lock = new();
        private Task _tail = Task.CompletedTask;
        private long? _failedAt;

        private long EngineFailures => runner._engine?.DeliveryFailures ?? 0;

        public Task PublishAsync(IReadOnlyList<ChangeRecord> records, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                if (_failedAt is { } failedAt)
                {
                    if (EngineFailures <= failedAt)
                    {
                        return Task.FromException(new SinkDeliveryException($"{records.Count} events not applied: an earlier batch failed"));
                    }

                    _failedAt = null; // the engine saw the failure and resumed from the slot: this stream redelivers the failed batch
                    var old = _tail;
                    _tail = old.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }

                _tail = ApplyAfterAsync(_tail, records, cancellationToken);
                return _tail;
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private void Failed()
        {
            lock (_lock)
            {
                _failedAt ??= EngineFailures;
            }
        }

        private async Task ApplyAfterAsync(Task previous, IReadOnlyList<ChangeRecord> records, CancellationToken cancellationToken)
        {
            try
            {
                await previous;
            }
            catch (Exception e)
            {
                Failed();
                throw new SinkDeliveryException($"{records.Count} events not applied: an earlier batch failed", e);
            }

            var events = records.Select(r => new RawEvent(
                r.Topic, r.Key is null ? null : Encoding.UTF8.GetString(r.Key), r.Value is null ? null : Encoding.UTF8.GetString(r.Value), r.Lsn,
                $"{r.Topic}@{new NpgsqlLogSequenceNumber(r.Lsn)}")).ToList();
            try
            {
                await runner.ApplyAsync(events, null, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The engine then acknowledges nothing and resumes from the slot: the batch comes again.
                runner.BatchFailed(e.Message);

                Failed();
                throw new SinkDeliveryException($"the store did not take {records.Count} events: {e.Message}", e);
            }
        }
    }
}
