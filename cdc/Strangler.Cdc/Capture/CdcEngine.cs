using Microsoft.Extensions.Logging;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Strangler.Cdc.Delivery;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Capture;

/// <summary>
/// The connector: PostgreSQL logical replication (pgoutput) → Debezium events → a sink. Creates the
/// publication and a durable slot when missing; on a new slot, snapshots the tables with the slot's exported
/// snapshot (so nothing is lost or doubled between snapshot and stream); then streams, confirming a
/// transaction's end LSN to the slot only after the sink accepted all its events (at-least-once).
/// </summary>
public sealed partial class CdcEngine(CdcOptions options, IChangeSink sink, ILogger logger, TimeProvider? timeProvider = null)
{
    /// <summary>How long a stopped stream may take to end before its walsender is terminated (see EndStuckStreamAsync).</summary>
    internal static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

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

    /// <summary>Whether this instance is the slot's active connector, a standby waiting to take over, or stopped.</summary>
    public CdcRole Role { get; private set; } = CdcRole.Stopped;

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
        if (!options.LeaderElection)
        {
            Role = CdcRole.Active;
            await RunActiveAsync(connectionString, cancellationToken);
            return;
        }

        if (options.StandbyRetryMilliseconds < 1)
        {
            throw new CdcConfigurationException("Cdc:StandbyRetryMilliseconds must be at least 1.");
        }

        var retry = TimeSpan.FromMilliseconds(options.StandbyRetryMilliseconds);
        while (true)
        {
            await using var leadership = new SlotLeadership(options.ConnectionString, options.Slot, retry, logger, _time);
            Role = CdcRole.Standby;
            await leadership.AcquireAsync(cancellationToken);
            Role = CdcRole.Active;
            using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var watch = leadership.WatchAsync(lost.Token);
            _ = watch.ContinueWith(t => { if (t.IsCompletedSuccessfully) { lost.Cancel(); } }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            try
            {
                await RunActiveAsync(connectionString, lost.Token);
                return;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Stopped streaming slot {Slot} (its lock could not be vouched for): waiting to be the active instance again", options.Slot);
            }
            finally
            {
                Role = CdcRole.Stopped;
                await lost.CancelAsync();
                await watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Everything the active instance does: checks, publication, slot, snapshot, then streaming until cancelled.</summary>
    private async Task RunActiveAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var sql = new NpgsqlConnection(connectionString);
        await sql.OpenAsync(cancellationToken);
        await ReplicationSetup.CheckWalLevelAsync(sql, cancellationToken);
        var setup = new ReplicationSetup(options, logger);
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

        await setup.EnsurePublicationAsync(sql, tables.Values, cancellationToken);
        (var slotExists, _lastCommit) = await setup.CheckSlotAsync(sql, cancellationToken);
        if (options.SnapshotMode != SnapshotMode.Never)
        {
            slotExists = await setup.DropIfSnapshotInterruptedAsync(sql, slotExists, cancellationToken);
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
                await setup.MarkSnapshotCompleteAsync(sql, cancellationToken);
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
                await StreamAsync(replication, new PgOutputReplicationSlot(options.Slot), sql, connectionString, tables, encoder, cancellationToken);
                logger.LogWarning("The replication stream ended; resuming from slot {Slot} in {Delay} ms", options.Slot, backoff.TotalMilliseconds);
                await Task.Delay(backoff, cancellationToken);
            }
            catch (NpgsqlException e) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped: the stream may have ended with a connection error (a walsender terminated after a lost cancel).
                throw new OperationCanceledException("The connector was stopped.", e, cancellationToken);
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
}
