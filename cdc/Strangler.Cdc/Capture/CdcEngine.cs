using Microsoft.Extensions.Logging;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using NpgsqlTypes;
using Strangler.Cdc.Delivery;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Capture;

/// <summary>
/// The connector: PostgreSQL logical replication (pgoutput) → Debezium events → a sink. Creates the
/// publication and a durable slot when missing; on a new slot, snapshots the tables with the slot's exported
/// snapshot (so nothing is lost or doubled between snapshot and stream); then streams, confirming a
/// transaction's end LSN to the slot only after the sink accepted all its events (at-least-once).
/// </summary>
public sealed class CdcEngine(CdcOptions options, IChangeSink sink, ILogger logger, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private long _eventsPublished;
    private long _deliveryFailures;
    private long _originSkipped;
    private long _snapshotRows;
    private long _unencodable;
    private ulong? _lastCommit;
    private DeliveryPipeline? _pipeline;

    /// <summary>Events handed to the sink so far (snapshot and stream).</summary>
    public long EventsPublished => Interlocked.Read(ref _eventsPublished);

    /// <summary>Rows read by the initial snapshot so far.</summary>
    public long SnapshotRows => Interlocked.Read(ref _snapshotRows);

    /// <summary>How far behind the database the sink is: now minus the commit time of the newest acknowledged transaction.</summary>
    public TimeSpan? TimeLag => _pipeline?.AcknowledgedCommitTime is { } at ? _time.GetUtcNow() - at : null;

    /// <summary>Changes that could not be encoded (dead-lettered or skipped, per Cdc:EventFailureHandling).</summary>
    public long UnencodableChanges => Interlocked.Read(ref _unencodable);

    /// <summary>Deliveries that failed (the engine then restarted from the slot).</summary>
    public long DeliveryFailures => Interlocked.Read(ref _deliveryFailures);

    /// <summary>Transactions not captured because our reverse sync applied them (replication origin, see <see cref="CdcOptions.SkipOriginPrefix"/>).</summary>
    public long OriginTransactionsSkipped => Interlocked.Read(ref _originSkipped);

    /// <summary>Completed when the snapshot (if any) is done and streaming has started.</summary>
    public TaskCompletionSource Streaming { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Runs until cancelled (or, with <see cref="SnapshotMode.InitialOnly"/>, until the snapshot is delivered).</summary>
    /// <exception cref="CdcConfigurationException">A setting or database state that stops the connector.</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new CdcConfigurationException("Cdc:ConnectionString is required.");
        }

        if (options.Tables.Count == 0)
        {
            throw new CdcConfigurationException("Cdc:Tables is empty: list the tables to capture, e.g. public.drivers.");
        }

        CdcNames.Validate(options); // before anything is created in the database

        // Text output in fixed formats, whatever the server's defaults: the encoder parses it.
        var connectionString = new NpgsqlConnectionStringBuilder(options.ConnectionString)
        {
            Options = "-c TimeZone=UTC -c DateStyle=ISO,YMD -c extra_float_digits=3 -c bytea_output=hex -c IntervalStyle=iso_8601",
        }.ConnectionString;
        await using var sql = new NpgsqlConnection(connectionString);
        await sql.OpenAsync(cancellationToken);
        await CheckWalLevelAsync(sql, cancellationToken);
        var tables = new Dictionary<string, TableInfo>(StringComparer.Ordinal);
        foreach (var name in options.Tables)
        {
            var table = await TableCatalog.LoadAsync(sql, name, cancellationToken);
            if (!table.HasPrimaryKey)
            {
                logger.LogWarning("Table {Table} has no primary key: its events carry a null key, as Debezium's do, so Kafka cannot keep per-row order", table.QualifiedName);
            }

            tables[table.QualifiedName] = table;
        }

        await EnsurePublicationAsync(sql, tables.Values, cancellationToken);
        var slotExists = await CheckSlotAsync(sql, cancellationToken);
        if (options.SnapshotMode != SnapshotMode.Never)
        {
            slotExists = await DropIfSnapshotInterruptedAsync(sql, slotExists, cancellationToken);
        }

        using var encoder = new DebeziumEncoder(options, sql.Database, _time);

        if (!slotExists)
        {
            _lastCommit = null; // a new slot has no acknowledged commit
            await using var creator = new LogicalReplicationConnection(connectionString);
            await creator.Open(cancellationToken);
            var created = await creator.CreatePgOutputReplicationSlot(
                options.Slot, temporarySlot: false, slotSnapshotInitMode: LogicalSlotSnapshotInitMode.Export, cancellationToken: cancellationToken);
            logger.LogInformation("Created replication slot {Slot} at {Lsn}", options.Slot, created.ConsistentPoint);
            if (options.SnapshotMode != SnapshotMode.Never)
            {
                // The exported snapshot lives as long as this replication connection stays idle: read it now.
                await SnapshotAsync(connectionString, created, tables.Values.ToList(), encoder, cancellationToken);
                await MarkSnapshotCompleteAsync(sql, cancellationToken);
            }
        }
        else
        {
            logger.LogInformation("Resuming from replication slot {Slot}", options.Slot);
        }

        if (options.SnapshotMode == SnapshotMode.InitialOnly)
        {
            return;
        }

        // Stream until cancelled. A failed delivery acknowledges nothing: reconnect and resume from the slot's
        // confirmed position, so everything not acknowledged is sent again, in order (at-least-once).
        var backoff = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                if (sql.State != System.Data.ConnectionState.Open)
                {
                    await sql.CloseAsync();
                    await sql.OpenAsync(cancellationToken); // the catalog connection broke with the server
                }

                // Confirmed positions reach the server within a second (Npgsql's default is 10 s), so the slot's
                // confirmed_flush_lsn, and the lag it shows, stay close to what the sink acknowledged.
                await using var replication = new LogicalReplicationConnection(connectionString) { WalReceiverStatusInterval = TimeSpan.FromSeconds(1) };
                await replication.Open(cancellationToken);
                await StreamAsync(replication, new PgOutputReplicationSlot(options.Slot), sql, tables, encoder, cancellationToken);
                logger.LogWarning("The replication stream ended; resuming from slot {Slot} in {Delay} ms", options.Slot, backoff.TotalMilliseconds);
                await Task.Delay(backoff, cancellationToken);
            }
            catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
            {
                // Connection lost (server restart, network): nothing unacknowledged is lost, resume from the slot.
                logger.LogWarning("Replication connection failed ({Error}); resuming from slot {Slot} in {Delay} ms", e.Message, options.Slot, backoff.TotalMilliseconds);
                await Task.Delay(backoff, cancellationToken);
                backoff = TimeSpan.FromMilliseconds(Math.Min(options.MaxRetryBackoffMilliseconds, backoff.TotalMilliseconds * 2));
            }
            catch (SinkDeliveryException e) when (!cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _deliveryFailures);
                logger.LogWarning("{Error}; nothing acknowledged, resuming from slot {Slot} in {Delay} ms", e.Message, options.Slot, backoff.TotalMilliseconds);
                await Task.Delay(backoff, cancellationToken);
                backoff = TimeSpan.FromMilliseconds(Math.Min(options.MaxRetryBackoffMilliseconds, backoff.TotalMilliseconds * 2));
            }
        }
    }

    /// <summary>
    /// A slot is created together with its snapshot; if the connector stopped before the snapshot was fully
    /// delivered, the rows not yet sent would never come from the stream. Such a slot (no completion marker)
    /// is dropped so the snapshot starts over — the one case where the connector drops a slot itself.
    /// </summary>
    private async Task<bool> DropIfSnapshotInterruptedAsync(NpgsqlConnection sql, bool slotExists, CancellationToken cancellationToken)
    {
        await using (var create = new NpgsqlCommand(
            "CREATE TABLE IF NOT EXISTS strangler_cdc_snapshots (slot_name text PRIMARY KEY, completed_at timestamptz NOT NULL)", sql))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var marker = new NpgsqlCommand("SELECT count(*) FROM strangler_cdc_snapshots WHERE slot_name = $1", sql);
        marker.Parameters.Add(new NpgsqlParameter { Value = options.Slot });
        var completed = (long)(await marker.ExecuteScalarAsync(cancellationToken))! > 0;
        if (!slotExists || completed)
        {
            return slotExists;
        }

        logger.LogWarning("The initial snapshot into slot {Slot} did not complete (the connector stopped during it): dropping the slot and starting over", options.Slot);
        await using var drop = new NpgsqlCommand("SELECT pg_drop_replication_slot($1)", sql);
        drop.Parameters.Add(new NpgsqlParameter { Value = options.Slot });
        await drop.ExecuteNonQueryAsync(cancellationToken);
        return false;
    }

    private async Task MarkSnapshotCompleteAsync(NpgsqlConnection sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO strangler_cdc_snapshots (slot_name, completed_at) VALUES ($1, now()) ON CONFLICT (slot_name) DO UPDATE SET completed_at = now()", sql);
        command.Parameters.Add(new NpgsqlParameter { Value = options.Slot });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task CheckWalLevelAsync(NpgsqlConnection sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SHOW wal_level", sql);
        var level = (string?)await command.ExecuteScalarAsync(cancellationToken);
        if (level != "logical")
        {
            throw new CdcConfigurationException(
                $"wal_level is '{level}', change data capture needs 'logical': set wal_level = logical in postgresql.conf and restart PostgreSQL.");
        }
    }

    private async Task EnsurePublicationAsync(NpgsqlConnection sql, IEnumerable<TableInfo> tables, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = $1", sql);
        exists.Parameters.Add(new NpgsqlParameter { Value = options.Publication });
        var covered = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await exists.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                covered.Add(reader.GetString(0));
            }
        }

        await using var publication = new NpgsqlCommand("SELECT count(*) FROM pg_publication WHERE pubname = $1", sql);
        publication.Parameters.Add(new NpgsqlParameter { Value = options.Publication });
        var publicationExists = (long)(await publication.ExecuteScalarAsync(cancellationToken))! > 0;
        var missing = tables.Where(t => !covered.Contains(t.QualifiedName)).Select(t => $"{Quote(t.Schema)}.{Quote(t.Name)}").ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var ddl = publicationExists
            ? $"ALTER PUBLICATION {Quote(options.Publication)} ADD TABLE {string.Join(", ", missing)}"
            : $"CREATE PUBLICATION {Quote(options.Publication)} FOR TABLE {string.Join(", ", missing)}";
        await using var create = new NpgsqlCommand(ddl, sql);
        await create.ExecuteNonQueryAsync(cancellationToken);
        logger.LogInformation("Publication {Publication} now covers {Tables}", options.Publication, string.Join(", ", missing));
    }

    private async Task<bool> CheckSlotAsync(NpgsqlConnection sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT active, active_pid, plugin, confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = $1", sql);
        command.Parameters.Add(new NpgsqlParameter { Value = options.Slot });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return false;
        }

        if (reader.GetBoolean(0))
        {
            throw new CdcConfigurationException(
                $"Replication slot '{options.Slot}' is in use by another process (pid {(reader.IsDBNull(1) ? "?" : reader.GetInt32(1))}): stop that connector, or set Cdc:Slot to another slot.");
        }

        if (reader.GetString(2) != "pgoutput")
        {
            throw new CdcConfigurationException($"Replication slot '{options.Slot}' uses the '{reader.GetString(2)}' plugin, not pgoutput: set Cdc:Slot to another slot.");
        }

        // Resuming: the last commit already acknowledged is source.sequence[0] of the first change streamed now,
        // as Debezium's committed offset makes it.
        _lastCommit = reader.IsDBNull(3) ? null : (ulong)NpgsqlLogSequenceNumber.Parse(reader.GetString(3));
        return true;
    }

    /// <summary>
    /// Reads every captured table inside the slot's exported snapshot: exactly the rows committed before the
    /// slot's consistent point, which is where streaming starts.
    /// </summary>
    private async Task SnapshotAsync(string connectionString, PgOutputReplicationSlot slot, List<TableInfo> tables, DebeziumEncoder encoder, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        await using (var setSnapshot = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT '{slot.SnapshotName}'", connection, transaction))
        {
            await setSnapshot.ExecuteNonQueryAsync(cancellationToken);
        }

        // Debezium's snapshot events carry the snapshot transaction's id.
        await using var txid = new NpgsqlCommand("SELECT txid_current()", connection, transaction);
        var snapshotTxId = (long)(await txid.ExecuteScalarAsync(cancellationToken))!;
        var lsn = (ulong)slot.ConsistentPoint;
        var readAt = _time.GetUtcNow();
        var batch = new List<ChangeRecord>(options.MaxBatchSize);
        var first = true;
        for (var t = 0; t < tables.Count; t++)
        {
            var table = tables[t];
            var lastTable = t == tables.Count - 1;
            var columns = string.Join(", ", table.Columns.Select(c => $"{Quote(c.Name)}::text"));
            await using var command = new NpgsqlCommand($"SELECT {columns} FROM {Quote(table.Schema)}.{Quote(table.Name)}", connection, transaction);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            string?[]? pending = null;
            var firstInTable = true;
            long rows = 0;
            while (await reader.ReadAsync(cancellationToken))
            {
                var row = new string?[table.Columns.Count];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = reader.IsDBNull(i) ? null : reader.GetString(i);
                }

                if (pending is not null)
                {
                    var marker = first ? "first" : firstInTable ? "first_in_data_collection" : "true";
                    Add(batch, encoder, table, 'r', null, pending, new SourceInfo(marker, readAt, snapshotTxId, lsn, null));
                    first = false;
                    firstInTable = false;
                    await FlushIfFullAsync(batch, cancellationToken);
                }

                pending = row;
                rows++;
                Interlocked.Increment(ref _snapshotRows);
            }

            if (pending is not null)
            {
                var marker = lastTable ? "last" : "last_in_data_collection";
                Add(batch, encoder, table, 'r', null, pending, new SourceInfo(marker, readAt, snapshotTxId, lsn, null));
                first = false;
            }

            logger.LogInformation("Snapshot of {Table}: {Rows} rows", table.QualifiedName, rows);
        }

        await PublishAsync(batch, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task FlushIfFullAsync(List<ChangeRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count >= options.MaxBatchSize)
        {
            await PublishAsync(batch, cancellationToken);
        }
    }

    private async Task PublishAsync(List<ChangeRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        await sink.PublishAsync(batch, cancellationToken);
        Interlocked.Add(ref _eventsPublished, batch.Count);
        batch.Clear(); // the sink has finished with the list
    }

    private async Task StreamAsync(
        LogicalReplicationConnection replication, PgOutputReplicationSlot slot, NpgsqlConnection sql,
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
                        Add(batch, encoder, table, 'c', null, await ReadAsync(insert.NewRow, table, cancellationToken), Source(message), metadata);
                        break;
                    case FullUpdateMessage update when relations.GetValueOrDefault(update.Relation.RelationId) is { } table:
                        var old = await ReadAsync(update.OldRow, table, cancellationToken);
                        Add(batch, encoder, table, 'u', old, await ReadAsync(update.NewRow, table, cancellationToken), Source(message), metadata);
                        break;
                    case IndexUpdateMessage keyChange when relations.GetValueOrDefault(keyChange.Relation.RelationId) is { } table:
                        // A primary-key change: Debezium emits a delete (+ tombstone) of the old key, then a create.
                        var oldKey = WithDefaults(table, await ReadAsync(keyChange.Key, table, cancellationToken));
                        Add(batch, encoder, table, 'd', oldKey, null, Source(message), metadata);
                        Add(batch, encoder, table, 'c', null, await ReadAsync(keyChange.NewRow, table, cancellationToken), Source(message), metadata);
                        break;
                    case DefaultUpdateMessage update when relations.GetValueOrDefault(update.Relation.RelationId) is { } table:
                        Add(batch, encoder, table, 'u', null, await ReadAsync(update.NewRow, table, cancellationToken), Source(message), metadata);
                        break;
                    case FullDeleteMessage delete when relations.GetValueOrDefault(delete.Relation.RelationId) is { } table:
                        Add(batch, encoder, table, 'd', await ReadAsync(delete.OldRow, table, cancellationToken), null, Source(message), metadata);
                        break;
                    case KeyDeleteMessage delete when relations.GetValueOrDefault(delete.Relation.RelationId) is { } table:
                        Add(batch, encoder, table, 'd', WithDefaults(table, await ReadAsync(delete.Key, table, cancellationToken)), null, Source(message), metadata);
                        break;
                    case TruncateMessage truncate when options.EmitTruncate:
                        foreach (var relation in truncate.Relations)
                        {
                            if (relations.GetValueOrDefault(relation.RelationId) is { } table)
                            {
                                batch.Add(encoder.Encode(table, 't', null, null, Source(message)) with { Key = null });
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
            new("false", commitTime, txId, (ulong)message.WalStart, _lastCommit);
    }

    /// <summary>
    /// Encodes one change into <paramref name="batch"/> (a delete with its tombstone). A change that cannot be
    /// encoded goes to the dead-letter topic in its place, is skipped, or stops the connector, per
    /// Cdc:EventFailureHandling — never a crash loop by default. A dead letter is delivered and acknowledged in
    /// order like any event, so the slot never moves past a change that was neither delivered nor dead-lettered.
    /// </summary>
    private void Add(
        List<ChangeRecord> batch, DebeziumEncoder encoder, TableInfo table, char op, string?[]? before, string?[]? after, SourceInfo source,
        TransactionMetadata? metadata = null)
    {
        ChangeRecord record;
        try
        {
            record = encoder.Encode(table, op, before, after, source, metadata?.Next(table.QualifiedName, source.Lsn));
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
        if (op == 'd' && options.TombstonesOnDelete && record.Key is not null)
        {
            batch.Add(DebeziumEncoder.Tombstone(record));
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

    private static async Task<string?[]> ReadAsync(ReplicationTuple tuple, TableInfo table, CancellationToken cancellationToken)
    {
        var values = new string?[table.Columns.Count];
        var i = 0;
        await foreach (var value in tuple)
        {
            if (i < values.Length)
            {
                values[i] = value.IsDBNull ? null
                    : value.IsUnchangedToastedValue ? DebeziumEncoder.UnavailableValue
                    : await ReadTextAsync(value, cancellationToken);
            }

            i++;
        }

        return values;
    }

    /// <summary>
    /// pgoutput (protocol 1) sends column values in text form: decode the bytes directly instead of going
    /// through a type converter per value.
    /// </summary>
    private static async ValueTask<string> ReadTextAsync(ReplicationValue value, CancellationToken cancellationToken)
    {
        var length = value.Length;
        if (length <= 0)
        {
            return "";
        }

        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            await using var stream = value.GetStream();
            await stream.ReadExactlyAsync(buffer.AsMemory(0, length), cancellationToken);
            return System.Text.Encoding.UTF8.GetString(buffer, 0, length);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A DEFAULT-identity delete carries only the key: other columns get null, or a zero value when NOT NULL.</summary>
    private static string?[] WithDefaults(TableInfo table, string?[] keyRow)
    {
        for (var i = 0; i < keyRow.Length; i++)
        {
            if (!table.Columns[i].IsKey)
            {
                keyRow[i] = DebeziumEncoder.DefaultFor(table.Columns[i]);
            }
        }

        return keyRow;
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
