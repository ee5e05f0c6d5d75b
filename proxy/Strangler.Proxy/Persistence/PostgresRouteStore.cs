using System.Runtime.CompilerServices;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Persistence;

/// <summary>
/// The route table in PostgreSQL, shared by proxy replicas: one row holding the versioned table (compare-and-
/// set on the version), an audit table, and a NOTIFY on every change so the other replicas reload at once.
/// </summary>
internal sealed class PostgresRouteStore(NpgsqlDataSource dataSource, int pollMilliseconds, ILogger<PostgresRouteStore> logger)
    : IRouteStore
{
    public const string Channel = "strangler_routes";
    private int _schemaReady;

    private readonly NpgsqlConnectionStringBuilder _settings = new(dataSource.ConnectionString);

    /// <summary>The store's database, also home of the replicas' shared handoff holds.</summary>
    public NpgsqlDataSource DataSource => dataSource;

    public string Description => $"PostgreSQL table strangler_route_table (database {_settings.Database} on {_settings.Host})";

    public async Task<RouteTableSnapshot?> LoadAsync(CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var command = dataSource.CreateCommand("SELECT version, document::text FROM strangler_route_table WHERE id = 1 AND version > 0");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var version = reader.GetInt64(0);
        try
        {
            var table = JsonSerializer.Deserialize<RouteTableSnapshot>(reader.GetString(1), ProxyJson.Options)
                ?? throw new RouteStoreException($"{Description} holds null, not a route table.", version);
            return table.Version == version ? table : throw new RouteStoreException(
                $"{Description}: the document says version {table.Version}, the row {version}.", version);
        }
        catch (JsonException e)
        {
            throw new RouteStoreException($"{Description} does not hold a route table: {e.Message}", version, e);
        }
    }

    public async Task<bool> TrySaveAsync(RouteTableSnapshot next, long expectedVersion, AuditEntry audit, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var current = new NpgsqlCommand("SELECT version FROM strangler_route_table WHERE id = 1 FOR UPDATE", connection, transaction))
        {
            var stored = (long?)await current.ExecuteScalarAsync(cancellationToken) ?? 0;
            if (stored != expectedVersion)
            {
                return false;
            }
        }

        var document = JsonSerializer.Serialize(next, ProxyJson.Options);
        await using (var write = new NpgsqlBatch(connection, transaction))
        {
            write.BatchCommands.Add(Command(
                """
                INSERT INTO strangler_route_table (id, version, document, updated_at) VALUES (1, $1, $2, now())
                ON CONFLICT (id) DO UPDATE SET version = excluded.version, document = excluded.document, updated_at = now()
                """,
                next.Version, (document, NpgsqlDbType.Jsonb)));
            write.BatchCommands.Add(Command(
                "INSERT INTO strangler_route_audit (at, version, route_id, entry) VALUES ($1, $2, $3, $4)",
                audit.At, next.Version, audit.RouteId, (JsonSerializer.Serialize(audit, ProxyJson.Options), NpgsqlDbType.Jsonb)));
            // Delivered to every listening replica when (and only if) the transaction commits.
            write.BatchCommands.Add(Command("SELECT pg_notify('strangler_routes', $1)", next.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            await write.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(int limit, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var command = dataSource.CreateCommand("SELECT entry::text FROM strangler_route_audit ORDER BY seq DESC LIMIT $1");
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var entries = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(JsonSerializer.Deserialize<AuditEntry>(reader.GetString(0), ProxyJson.Options)!);
        }

        return entries;
    }

    public async IAsyncEnumerable<long> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!cancellationToken.IsCancellationRequested)
        {
            NpgsqlConnection? connection = null;
            var notified = new System.Collections.Concurrent.ConcurrentQueue<long>();
            try
            {
                connection = await dataSource.OpenConnectionAsync(cancellationToken);
                connection.Notification += (_, e) => notified.Enqueue(long.TryParse(e.Payload, out var v) ? v : 0);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }

                delay = TimeSpan.FromMilliseconds(200);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Route store: cannot listen for changes ({Error}); retrying in {Delay} ms", e.Message, delay.TotalMilliseconds);
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }

                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(5_000, delay.TotalMilliseconds * 2));
                continue;
            }

            // A reload right after (re)connecting covers changes made while we were not listening.
            yield return 0;
            while (!cancellationToken.IsCancellationRequested)
            {
                bool ok;
                try
                {
                    await connection.WaitAsync(TimeSpan.FromMilliseconds(pollMilliseconds), cancellationToken);
                    ok = true;
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException && !cancellationToken.IsCancellationRequested)
                {
                    ok = false;
                }

                if (!ok)
                {
                    break; // reconnect
                }

                yield return notified.TryDequeue(out var version) ? version : 0; // 0: periodic reload
                while (notified.TryDequeue(out _))
                {
                }
            }

            await connection.DisposeAsync();
        }
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value is ValueTuple<string, NpgsqlDbType> typed
                ? new NpgsqlParameter { Value = typed.Item1, NpgsqlDbType = typed.Item2 }
                : new NpgsqlParameter { Value = value });
        }

        return command;
    }

    /// <summary>Creates the store's tables (route table, audit, and the replicas' shared handoff holds) once.</summary>
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _schemaReady) == 1)
        {
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Replicas starting together must not race on CREATE TABLE.
        await using var command = new NpgsqlCommand("""
            SELECT pg_advisory_xact_lock(hashtext('strangler_route_table'));
            CREATE TABLE IF NOT EXISTS strangler_route_table (
                id integer PRIMARY KEY CHECK (id = 1),
                version bigint NOT NULL,
                document jsonb NOT NULL,
                updated_at timestamptz NOT NULL);
            CREATE TABLE IF NOT EXISTS strangler_route_audit (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                at timestamptz NOT NULL,
                version bigint NOT NULL,
                route_id text NOT NULL,
                entry jsonb NOT NULL);
            -- Handoffs shared by replicas (Handoff/PostgresReplicaHolds): who is alive, which route's writes are held, who drained.
            CREATE TABLE IF NOT EXISTS strangler_proxy_replicas (
                replica text PRIMARY KEY,
                seen_at timestamptz NOT NULL);
            CREATE TABLE IF NOT EXISTS strangler_route_holds (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                route_id text NOT NULL UNIQUE,
                replica text NOT NULL,
                started_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL);
            CREATE TABLE IF NOT EXISTS strangler_route_hold_acks (
                hold_id bigint NOT NULL REFERENCES strangler_route_holds (id) ON DELETE CASCADE,
                replica text NOT NULL,
                drained_at timestamptz NOT NULL,
                PRIMARY KEY (hold_id, replica));
            -- The row always exists, so the first writers lock it (FOR UPDATE) like any later ones.
            INSERT INTO strangler_route_table (id, version, document, updated_at)
            VALUES (1, 0, '{"version":0,"routes":[]}', now()) ON CONFLICT (id) DO NOTHING;
            """, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Volatile.Write(ref _schemaReady, 1);
    }
}
