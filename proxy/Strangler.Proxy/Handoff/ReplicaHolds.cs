using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Npgsql;
using Strangler.Proxy.Persistence;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Handoff;

/// <summary>A handoff's hold as the other proxy replicas know it.</summary>
internal readonly record struct SharedHold(long Id, string Route);

/// <summary>Another replica is already handing off the route: nothing was held.</summary>
internal sealed class HoldRefusedException(string message) : Exception(message);

/// <summary>
/// A handoff's hold shared by every proxy replica that forwards the route's writes: the handoff may take its fence
/// only once each replica holds the route's new writes and has drained the ones in flight — otherwise a replica that
/// had not heard of the handoff would go on writing to the old owner after the fence.
/// </summary>
internal interface IReplicaHolds
{
    /// <summary>This replica's name among the replicas.</summary>
    string Replica { get; }

    /// <summary>Asks every replica to hold the route's writes, for at most <paramref name="lease"/>.</summary>
    /// <exception cref="HoldRefusedException">Another replica is handing off the route.</exception>
    Task<SharedHold> BeginAsync(string route, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Null once every other live replica holds and has drained the route's writes; otherwise why not, after <paramref name="limit"/>.</summary>
    Task<string?> WaitDrainedAsync(SharedHold hold, TimeSpan limit, CancellationToken cancellationToken);

    /// <summary>How long the replicas will go on holding (zero once the hold is gone).</summary>
    Task<TimeSpan> TimeLeftAsync(SharedHold hold, CancellationToken cancellationToken);

    /// <summary>Lets the replicas release the route's writes; they reload the route table first. Never throws.</summary>
    Task EndAsync(SharedHold hold);

    /// <summary>This replica's part: announce itself, hold other replicas' handoffs, release them.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>The file store serves one proxy: its hold is the only one.</summary>
internal sealed class LocalHolds : IReplicaHolds
{
    public string Replica => "local";

    public Task<SharedHold> BeginAsync(string route, TimeSpan lease, CancellationToken cancellationToken) => Task.FromResult(new SharedHold(0, route));

    public Task<string?> WaitDrainedAsync(SharedHold hold, TimeSpan limit, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    public Task<TimeSpan> TimeLeftAsync(SharedHold hold, CancellationToken cancellationToken) => Task.FromResult(TimeSpan.MaxValue);

    public Task EndAsync(SharedHold hold) => Task.CompletedTask;

    public Task RunAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Shared holds through the PostgreSQL route store. Each replica keeps a row in <c>strangler_proxy_replicas</c> fresh
/// (every fifth of <c>Proxy:Handoff:ReplicaLeaseMilliseconds</c>) and LISTENs on <c>strangler_holds</c>. A handoff
/// inserts its hold (one per route) with an expiry and notifies; every other replica holds the route's writes, waits
/// for its writes in flight, and records that it drained; the handoff waits for the record of every replica seen
/// within the lease. Ending the hold deletes it and notifies: replicas reload the route table — which by then holds the
/// new owner if the handoff completed — and release. A replica that loses the database releases at the hold's expiry
/// (measured from the database's clock when it saw the hold), which the handoff never flips past.
/// </summary>
internal sealed class PostgresReplicaHolds(
    NpgsqlDataSource dataSource, PostgresRouteStore store, WriteGates gates, RouteChangeService changes, IOptions<HandoffOptions> options,
    IOptions<ProxyOptions> proxy, ILogger<PostgresReplicaHolds> logger) : IReplicaHolds
{
    public const string Channel = "strangler_holds";

    private readonly Dictionary<long, (string Route, long Deadline)> _holding = [];

    private HandoffOptions Settings => options.Value;

    public string Replica { get; } = $"{proxy.Value.Name}-{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";

    public async Task<SharedHold> BeginAsync(string route, TimeSpan lease, CancellationToken cancellationToken)
    {
        await store.EnsureSchemaAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, "DELETE FROM strangler_route_holds WHERE route_id = $1 AND expires_at <= clock_timestamp()", cancellationToken, route);
        var id = await ScalarAsync(connection, transaction, """
            INSERT INTO strangler_route_holds (route_id, replica, started_at, expires_at)
            VALUES ($1, $2, clock_timestamp(), clock_timestamp() + $3 * interval '1 millisecond')
            ON CONFLICT (route_id) DO NOTHING RETURNING id
            """, cancellationToken, route, Replica, lease.TotalMilliseconds);
        if (id is not long holdId)
        {
            await using var query = Sql(connection, transaction,
                "SELECT replica, to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM strangler_route_holds WHERE route_id = $1", route);
            await using var holder = await query.ExecuteReaderAsync(cancellationToken);
            var who = await holder.ReadAsync(cancellationToken) ? $"replica {holder.GetString(0)} holds its writes until {holder.GetString(1)}" : "its hold just ended";
            throw new HoldRefusedException($"Another handoff of route '{route}' is under way ({who}): nothing was held.");
        }

        await ExecuteAsync(connection, transaction, $"SELECT pg_notify('{Channel}', $1)", cancellationToken, holdId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await transaction.CommitAsync(cancellationToken);
        return new SharedHold(holdId, route);
    }

    public async Task<string?> WaitDrainedAsync(SharedHold hold, TimeSpan limit, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var missing = new List<string>();
            await using (var command = dataSource.CreateCommand("""
                SELECT r.replica FROM strangler_proxy_replicas r
                WHERE r.replica <> $2 AND r.seen_at > clock_timestamp() - $3 * interval '1 millisecond'
                  AND NOT EXISTS (SELECT 1 FROM strangler_route_hold_acks a WHERE a.hold_id = $1 AND a.replica = r.replica)
                ORDER BY 1
                """))
            {
                Add(command.Parameters, hold.Id, Replica, (double)Settings.ReplicaLeaseMilliseconds);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    missing.Add(reader.GetString(0));
                }
            }

            if (missing.Count == 0)
            {
                return null;
            }

            if (Stopwatch.GetElapsedTime(started) >= limit)
            {
                return $"proxy replica{(missing.Count == 1 ? "" : "s")} {string.Join(", ", missing)} did not confirm, within {limit.TotalMilliseconds:F0} ms, "
                    + "that it held the route's writes and finished the ones in flight (a replica counts while it was seen within "
                    + $"Proxy:Handoff:ReplicaLeaseMilliseconds = {Settings.ReplicaLeaseMilliseconds} ms).";
            }

            await Task.Delay(Math.Max(10, Settings.PollMilliseconds), cancellationToken);
        }
    }

    public async Task<TimeSpan> TimeLeftAsync(SharedHold hold, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT EXTRACT(EPOCH FROM expires_at - clock_timestamp())::float8 * 1000 FROM strangler_route_holds WHERE id = $1");
        Add(command.Parameters, hold.Id);
        return await command.ExecuteScalarAsync(cancellationToken) is double left && left > 0 ? TimeSpan.FromMilliseconds(left) : TimeSpan.Zero;
    }

    public async Task EndAsync(SharedHold hold)
    {
        try
        {
            await using var batch = dataSource.CreateBatch();
            batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM strangler_route_holds WHERE id = $1") { Parameters = { new() { Value = hold.Id } } });
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT pg_notify('{Channel}', 'end')"));
            await batch.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or SocketException)
        {
            logger.LogWarning("Handoff of {RouteId}: could not end the shared hold ({Error}); the other replicas release it when it expires", hold.Route, e.Message);
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var beat = TimeSpan.FromMilliseconds(Math.Max(50, Settings.ReplicaLeaseMilliseconds / 5));
        var delay = TimeSpan.FromMilliseconds(200);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await store.EnsureSchemaAsync(cancellationToken);
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    await ExecuteAsync(connection, null, $"LISTEN {Channel}", cancellationToken);
                    delay = TimeSpan.FromMilliseconds(200);
                    var lastBeat = 0L;
                    while (!cancellationToken.IsCancellationRequested)
                    {
                        if (lastBeat == 0 || Stopwatch.GetElapsedTime(lastBeat) >= beat)
                        {
                            await ExecuteAsync(connection, null, """
                                INSERT INTO strangler_proxy_replicas (replica, seen_at) VALUES ($1, clock_timestamp())
                                ON CONFLICT (replica) DO UPDATE SET seen_at = excluded.seen_at
                                """, cancellationToken, Replica);
                            lastBeat = Stopwatch.GetTimestamp();
                        }

                        await ScanAsync(connection, cancellationToken);
                        await connection.WaitAsync(beat, cancellationToken); // a notification or the next beat
                    }
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    // Whatever failed (the store unreachable, mostly), the loop goes on: one that threw would stop the whole proxy.
                    logger.LogWarning("Handoff holds: cannot reach the route store ({Error}); retrying in {Delay} ms", e.Message, delay.TotalMilliseconds);
                    await ReleaseAsync(_holding.Where(h => Stopwatch.GetTimestamp() >= h.Value.Deadline).Select(h => h.Key).ToList(), cancellationToken);
                    await Task.Delay(delay, cancellationToken);
                    delay = TimeSpan.FromMilliseconds(Math.Min(5_000, delay.TotalMilliseconds * 2));
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await LeaveAsync();
        }
    }

    /// <summary>Holds the routes other replicas are handing off, and releases the holds that ended or expired.</summary>
    private async Task ScanAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var live = new HashSet<long>();
        await using (var command = Sql(connection, null, """
            SELECT id, route_id, replica, EXTRACT(EPOCH FROM expires_at - clock_timestamp())::float8 * 1000
            FROM strangler_route_holds WHERE expires_at > clock_timestamp()
            """))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var (id, route, replica, left) = (reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetDouble(3));
                if (replica == Replica)
                {
                    continue;
                }

                live.Add(id);
                if (!_holding.ContainsKey(id))
                {
                    var gate = gates.For(route);
                    gate.Hold();
                    _holding[id] = (route, Stopwatch.GetTimestamp() + (long)(left * Stopwatch.Frequency / 1000));
                    logger.LogInformation("Handoff of {RouteId} by replica {Replica}: holding this replica's writes of the route", route, replica);
                    _ = ConfirmDrainedAsync(id, gate, TimeSpan.FromMilliseconds(left), cancellationToken);
                }
            }
        }

        await ReleaseAsync(_holding.Where(h => !live.Contains(h.Key) || Stopwatch.GetTimestamp() >= h.Value.Deadline).Select(h => h.Key).ToList(), cancellationToken);
    }

    /// <summary>Records, once this replica's writes of the route in flight have finished, that it drained.</summary>
    private async Task ConfirmDrainedAsync(long id, WriteGate gate, TimeSpan limit, CancellationToken cancellationToken)
    {
        try
        {
            await gate.DrainedAsync().WaitAsync(limit, cancellationToken);
            await using var command = dataSource.CreateCommand(
                "INSERT INTO strangler_route_hold_acks (hold_id, replica, drained_at) VALUES ($1, $2, clock_timestamp()) ON CONFLICT DO NOTHING");
            Add(command.Parameters, id, Replica);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            // The hold ended first.
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException or SocketException)
        {
            logger.LogWarning("Handoff hold {HoldId}: could not confirm draining ({Error}); the handoff will abort", id, e.Message);
        }
    }

    /// <summary>Reloads the route table (the new owner, if the handoff completed), then lets the held writes go.</summary>
    private async Task ReleaseAsync(List<long> ended, CancellationToken cancellationToken)
    {
        if (ended.Count == 0)
        {
            return;
        }

        try
        {
            await changes.ReloadAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or SocketException)
        {
            logger.LogWarning("Handoff holds: could not reload the route table before releasing ({Error})", e.Message);
        }

        foreach (var id in ended)
        {
            if (_holding.Remove(id, out var held))
            {
                gates.For(held.Route).Release();
            }
        }
    }

    private async Task LeaveAsync()
    {
        foreach (var (_, held) in _holding)
        {
            gates.For(held.Route).Release();
        }

        _holding.Clear();
        try
        {
            await using var command = dataSource.CreateCommand("DELETE FROM strangler_proxy_replicas WHERE replica = $1");
            Add(command.Parameters, Replica);
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or SocketException)
        {
            logger.LogDebug("Handoff holds: could not remove this replica's row ({Error}); it is ignored once its lease passes", e.Message);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = Sql(connection, transaction, sql, values);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = Sql(connection, transaction, sql, values);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private static NpgsqlCommand Sql(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params object[] values)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        Add(command.Parameters, values);
        return command;
    }

    private static void Add(NpgsqlParameterCollection parameters, params object[] values)
    {
        foreach (var value in values)
        {
            parameters.Add(new NpgsqlParameter { Value = value });
        }
    }
}

/// <summary>Runs this replica's part of the shared holds.</summary>
internal sealed class ReplicaHoldsWorker(IReplicaHolds holds) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => holds.RunAsync(stoppingToken);
}
