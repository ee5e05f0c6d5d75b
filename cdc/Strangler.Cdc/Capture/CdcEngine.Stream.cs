using Microsoft.Extensions.Logging;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using Strangler.Cdc.Events;


namespace Strangler.Cdc.Capture;

/// <summary>Streaming: pgoutput messages → encoded events → the delivery pipeline; heartbeats on quiet tables.</summary>
public sealed partial class CdcEngine
{
    private async Task StreamAsync(
        LogicalReplicationConnection replication, PgOutputReplicationSlot slot, NpgsqlConnection sql, string connectionString,
        Dictionary<string, TableInfo> tables, DebeziumEncoder encoder, CancellationToken cancellationToken)
    {
        var relations = new Dictionary<uint, TableInfo?>();
        var batch = new List<ChangeRecord>(options.MaxBatchSize);
        using var pipeline = new DeliveryPipeline(sink, new ReplicationConnectionFeedback(replication), options.MaxInFlightBatches);
        _pipeline = pipeline;
        long? txId = null;
        var commitTime = DateTimeOffset.MinValue;
        var metadata = options.TransactionMetadata ? new TransactionMetadata() : null;
        var skipping = false; // the current transaction carries one of our replication origins
        // Streaming and heartbeats stop when asked, or as soon as a delivery fails.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, pipeline.Failed);
        var heartbeat = HeartbeatAsync(replication, encoder, pipeline, stop.Token);
        using var streamEnded = new CancellationTokenSource();
        using var watchdog = stop.Token.Register(() => _ = EndStuckStreamAsync(connectionString, streamEnded.Token));
        Streaming.TrySetResult();
        try
        {
            await foreach (var message in replication.StartReplication(slot, new PgOutputReplicationOptions(options.Publication, PgOutputProtocolVersion.V1), stop.Token))
            {
                pipeline.MessageStarted();
                switch (message)
                {
                    case OriginMessage origin:
                        skipping = options.SkipOriginPrefix.Length > 0 && origin.OriginName.StartsWith(options.SkipOriginPrefix, StringComparison.Ordinal);
                        if (skipping)
                        {
                            Interlocked.Increment(ref _originSkipped);
                        }

                        break;
                    case InsertMessage or UpdateMessage or DeleteMessage or TruncateMessage when skipping:
                        break;
                    case RelationMessage relation:
                        var name = $"{relation.Namespace}.{relation.RelationName}";
                        TableInfo? captured = null;
                        if (tables.ContainsKey(name))
                        {
                            // The table may have changed since we last read it: reload, so the schema follows.
                            captured = await TableCatalog.LoadAsync(sql, name, cancellationToken);
                            tables[name] = captured;
                            encoder.Invalidate(captured);
                        }

                        relations[relation.RelationId] = captured;
                        break;
                    case BeginMessage begin:
                        skipping = false;
                        pipeline.BeginTransaction();
                        txId = begin.TransactionXid;
                        commitTime = begin.TransactionCommitTimestamp;
                        if (metadata is not null)
                        {
                            metadata.Begin(txId.Value);
                            batch.Add(encoder.TransactionBoundary("BEGIN", metadata.Id((ulong)begin.WalStart), commitTime, (ulong)begin.WalStart, null, null));
                        }

                        break;
                    case InsertMessage insert when relations.GetValueOrDefault(insert.Relation.RelationId) is { } table:
                        Add(batch, encoder, table, ChangeOperation.Create, null, await TupleDecoder.ReadAsync(insert.NewRow, table, cancellationToken), Source(message), metadata);
                        break;
                    case FullUpdateMessage update when relations.GetValueOrDefault(update.Relation.RelationId) is { } table:
                        var old = await TupleDecoder.ReadAsync(update.OldRow, table, cancellationToken);
                        Add(batch, encoder, table, ChangeOperation.Update, old, await TupleDecoder.ReadAsync(update.NewRow, table, cancellationToken), Source(message), metadata);
                        break;
                    case IndexUpdateMessage keyChange when relations.GetValueOrDefault(keyChange.Relation.RelationId) is { } table:
                        // A primary-key change: Debezium emits a delete (+ tombstone) of the old key, then a create.
                        var oldKey = TupleDecoder.WithDefaults(table, await TupleDecoder.ReadAsync(keyChange.Key, table, cancellationToken));
                        Add(batch, encoder, table, ChangeOperation.Delete, oldKey, null, Source(message), metadata);
                        Add(batch, encoder, table, ChangeOperation.Create, null, await TupleDecoder.ReadAsync(keyChange.NewRow, table, cancellationToken), Source(message), metadata);
                        break;
                    case DefaultUpdateMessage update when relations.GetValueOrDefault(update.Relation.RelationId) is { } table:
                        Add(batch, encoder, table, ChangeOperation.Update, null, await TupleDecoder.ReadAsync(update.NewRow, table, cancellationToken), Source(message), metadata);
                        break;
                    case FullDeleteMessage delete when relations.GetValueOrDefault(delete.Relation.RelationId) is { } table:
                        Add(batch, encoder, table, ChangeOperation.Delete, await TupleDecoder.ReadAsync(delete.OldRow, table, cancellationToken), null, Source(message), metadata);
                        break;
                    case KeyDeleteMessage delete when relations.GetValueOrDefault(delete.Relation.RelationId) is { } table:
                        Add(batch, encoder, table, ChangeOperation.Delete, TupleDecoder.WithDefaults(table, await TupleDecoder.ReadAsync(delete.Key, table, cancellationToken)), null, Source(message), metadata);
                        break;
                    case TruncateMessage truncate when options.EmitTruncate:
                        foreach (var relation in truncate.Relations)
                        {
                            if (relations.GetValueOrDefault(relation.RelationId) is { } table)
                            {
                                batch.Add(encoder.Encode(table, ChangeOperation.Truncate, null, null, Source(message)) with { Key = null });
                            }
                        }

                        break;
                    case CommitMessage commit:
                        if (metadata is not null)
                        {
                            batch.Add(encoder.TransactionBoundary("END", metadata.Id((ulong)commit.WalStart), commitTime, (ulong)commit.WalStart, metadata.EventCount, metadata.PerTable));
                        }

                        // Delivery is pipelined; the slot moves to this transaction's end only once it and every
                        // transaction before it are acknowledged by the sink.
                        await pipeline.SendAsync(TakeBatch(), commit.TransactionEndLsn, cancellationToken, commitTime);
                        _lastCommit = (ulong)commit.CommitLsn;
                        pipeline.EndTransaction();
                        break;
                }

                if (batch.Count >= options.MaxBatchSize)
                {
                    await pipeline.SendAsync(TakeBatch(), null, cancellationToken); // large transaction: deliver early, acknowledge at commit
                }

                pipeline.MessageDone();
            }
        }
        catch (OperationCanceledException) when (pipeline.Failure is not null)
        {
            // Cancelled because a delivery failed: report that instead.
        }
        finally
        {
            await streamEnded.CancelAsync();
            await stop.CancelAsync();
            await heartbeat;
        }

        pipeline.ThrowIfFailed();
        await pipeline.DrainAsync(); // the server ended the stream: confirm what was delivered before reconnecting

        List<ChangeRecord> TakeBatch()
        {
            var taken = new List<ChangeRecord>(batch);
            Interlocked.Add(ref _eventsPublished, taken.Count);
            batch.Clear();
            return taken;
        }

        SourceInfo Source(ReplicationMessage message) =>
            SourceInfo.Captured("false", commitTime, txId, (ulong)message.WalStart, _lastCommit);
    }

    /// <summary>
    /// Encodes one change into <paramref name="batch"/> (a delete with its tombstone). A change that cannot be
    /// encoded goes to the dead-letter topic in its place, is skipped, or stops the connector, per
    /// Cdc:EventFailureHandling — never a crash loop by default. A dead letter is delivered and acknowledged in
    /// order like any event, so the slot never moves past a change that was neither delivered nor dead-lettered.
    /// </summary>
    private void Add(
        List<ChangeRecord> batch, DebeziumEncoder encoder, TableInfo table, ChangeOperation op, string?[]? before, string?[]? after, SourceInfo source,
        TransactionMetadata? metadata = null)
    {
        ChangeRecord record;
        try
        {
            record = encoder.Encode(table, op, before, after, source, metadata?.Next(table.QualifiedName, source.Position));
            metadata?.Count(table.QualifiedName);
        }
        catch (UnencodableEventException e) when (options.EventFailureHandling != EventFailureHandling.Fail)
        {
            Interlocked.Increment(ref _unencodable);
            if (options.EventFailureHandling == EventFailureHandling.Skip)
            {
                logger.LogError("Skipped: {Error}", e.Message);
                return;
            }

            var deadLetter = encoder.DeadLetter(table, before, after, source, e);
            logger.LogError("Dead-lettered to {Topic}: {Error}", deadLetter.Topic, e.Message);
            batch.Add(deadLetter);
            return;
        }

        batch.Add(record);
        if (op == ChangeOperation.Delete && options.TombstonesOnDelete && record.Key is not null)
        {
            batch.Add(DebeziumEncoder.Tombstone(record));
        }
    }

    /// <summary>
    /// Stopping the stream cancels Npgsql's read, which sends PostgreSQL a cancel request. PostgreSQL ignores a cancel
    /// that reaches the walsender before it started running START_REPLICATION (it is idle then), and the stream goes
    /// on forever on keepalives: seen as an engine that never stopped. When the stream has not ended
    /// <see cref="StopGrace"/> after the stop, the slot's walsender (ours: an active slot has one) is terminated.
    /// </summary>
    private async Task EndStuckStreamAsync(string connectionString, CancellationToken streamEnded)
    {
        try
        {
            await Task.Delay(StopGrace, _time, streamEnded);
        }
        catch (OperationCanceledException)
        {
            return; // ended by itself, as it nearly always does
        }

        logger.LogWarning("The replication stream of slot {Slot} did not end {Grace} s after it was stopped: terminating its walsender", options.Slot, StopGrace.TotalSeconds);
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(CancellationToken.None);
            await using var command = new NpgsqlCommand("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = options.Slot });
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            logger.LogError(e, "Could not terminate the walsender of slot {Slot}", options.Slot);
        }
    }

    /// <summary>
    /// On quiet tables, confirm the position PostgreSQL has streamed up to (nothing of ours is pending) so the
    /// slot does not hold WAL forever, and emit a heartbeat record.
    /// </summary>
    private async Task HeartbeatAsync(LogicalReplicationConnection replication, DebeziumEncoder encoder, DeliveryPipeline pipeline, CancellationToken cancellationToken)
    {
        if (options.HeartbeatIntervalMilliseconds <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.HeartbeatIntervalMilliseconds));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await pipeline.HeartbeatIfIdleAsync(received => encoder.Heartbeat((ulong)received), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
