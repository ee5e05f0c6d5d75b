using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using RideShare.Contracts.Values;
using RideShare.Trips.Store;
using Strangler.Cdc.Apply;

namespace RideShare.Trips.Sync;

/// <summary>
/// The sync's side of the Trips database: a batch of legacy changes, its dead letters and its checkpoint in one
/// transaction. The rows a batch touches are read and locked first and each change is decided by
/// <see cref="RowOrder"/>, so a replayed or older change changes nothing; a row counts its applied changes
/// (<c>sync_applied</c>), a delete leaves a tombstone counting its own.
/// </summary>
public sealed class TripSyncStore(NpgsqlDataSource dataSource)
{
    private static readonly JsonSerializerOptions WaypointJson = new(JsonSerializerDefaults.Web);

    private static readonly (string Column, Func<TripRow, object?> Value)[] Columns =
    [
        ("public_id", t => t.Reference), ("passenger_id", t => t.PassengerId), ("driver_id", t => t.DriverId),
        ("status", t => StatusNames.ToName(t.Status)), ("pickup_latitude", t => t.PickupLatitude), ("pickup_longitude", t => t.PickupLongitude),
        ("pickup_address", t => t.PickupAddress), ("dropoff_latitude", t => t.DropoffLatitude), ("dropoff_longitude", t => t.DropoffLongitude),
        ("dropoff_address", t => t.DropoffAddress), ("waypoints", t => JsonSerializer.Serialize(t.Waypoints, WaypointJson)),
        ("distance_km", t => t.DistanceKm), ("fare", t => t.Fare), ("currency", t => t.Currency), ("requested_at", t => t.RequestedAt),
        ("started_at", t => t.StartedAt), ("completed_at", t => t.CompletedAt), ("cancelled_at", t => t.CancelledAt),
        ("cancellation_reason", t => t.CancellationReason), ("passenger_rating", t => t.PassengerRating), ("version", t => t.Version),
        ("reservation_key", t => t.ReservationKey),
    ];

    public async Task<string?> CheckpointAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT checkpoint FROM sync_checkpoint WHERE id = 1");
        return (string?)await command.ExecuteScalarAsync(cancellationToken);
    }

    public async Task<long> DeadLetterCountAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM sync_dead_letters");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<IReadOnlyList<string>> DeadLettersAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT body FROM sync_dead_letters ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var letters = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            letters.Add(reader.GetString(0));
        }

        return letters;
    }

    /// <summary>Applies <paramref name="commands"/> in order with the dead letters and checkpoint (null: leave it), in one transaction.</summary>
    public async Task<(int Applied, int Stale, int DeadLettered)> ApplyAsync(
        IReadOnlyList<TripCommand> commands, string? checkpoint, IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var ids = commands.Select(c => c.Id).Distinct().ToArray();
        var rows = new Dictionary<long, (ulong? Lsn, bool Snapshot)>();
        var tombstones = new Dictionary<long, ulong>();
        await using (var read = new NpgsqlCommand(
            "SELECT id, sync_lsn, sync_snapshot FROM trips WHERE id = ANY($1) ORDER BY id FOR UPDATE", connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = ids });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows[reader.GetInt64(0)] = (reader.IsDBNull(1) ? null : (ulong)reader.GetFieldValue<NpgsqlLogSequenceNumber>(1), reader.GetBoolean(2));
            }
        }

        await using (var read = new NpgsqlCommand("SELECT id, lsn FROM trip_tombstones WHERE id = ANY($1)", connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = ids });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                tombstones[reader.GetInt64(0)] = (ulong)reader.GetFieldValue<NpgsqlLogSequenceNumber>(1);
            }
        }

        var batch = new NpgsqlBatch(connection, transaction);
        var (applied, stale) = (0, 0);
        var dead = new List<string>(deadLetters.Select(d => d.ToJson()));
        foreach (var command in commands)
        {
            var exists = rows.TryGetValue(command.Id, out var current);
            var tombstone = tombstones.TryGetValue(command.Id, out var t) ? t : (ulong?)null;
            if (RowOrder.IsStale(exists ? current.Lsn : null, exists && current.Snapshot, exists ? null : tombstone, command.Lsn, command.Op == 'S'))
            {
                stale++;
                continue;
            }

            if (command.Op == 'D')
            {
                batch.BatchCommands.Add(Command("DELETE FROM trips WHERE id = $1", command.Id));
                batch.BatchCommands.Add(Command(
                    "INSERT INTO trip_tombstones (id, lsn) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET lsn = excluded.lsn, applied = trip_tombstones.applied + 1",
                    command.Id, new NpgsqlLogSequenceNumber(command.Lsn)));
                rows.Remove(command.Id);
                tombstones[command.Id] = command.Lsn;
            }
            else
            {
                if (!exists && command.Unavailable.Count > 0)
                {
                    dead.Add(command.DeadLetter!);
                    continue;
                }

                batch.BatchCommands.Add(Put(command));
                rows[command.Id] = (command.Lsn, command.Op == 'S');
            }

            applied++;
        }

        if (commands.Where(c => c.Op != 'D').Select(c => c.Id).DefaultIfEmpty(0).Max() is var highest and > 0)
        {
            // Ids the service gives out once it owns trips continue above every id legacy used.
            batch.BatchCommands.Add(Command("SELECT setval('trip_ids', GREATEST((SELECT last_value FROM trip_ids), $1))", highest));
        }

        if (checkpoint is not null)
        {
            batch.BatchCommands.Add(Command(
                "INSERT INTO sync_checkpoint (id, checkpoint) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET checkpoint = excluded.checkpoint", checkpoint));
        }

        foreach (var letter in dead)
        {
            batch.BatchCommands.Add(Command("INSERT INTO sync_dead_letters (body) VALUES ($1)", letter));
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return (applied, stale, dead.Count);
    }

    /// <summary>An upsert of the whole row; columns whose TOASTed value the event left out keep what the row holds.</summary>
    private static NpgsqlBatchCommand Put(TripCommand command)
    {
        var row = command.Row!;
        var columns = Columns.Where(c => !command.Unavailable.Contains(c.Column)).ToList();
        var names = string.Join(", ", columns.Select(c => c.Column));
        var values = string.Join(", ", columns.Select((_, i) => $"${i + 2}"));
        var sets = string.Join(", ", columns.Select(c => $"{c.Column} = excluded.{c.Column}"));
        var lsnParameter = columns.Count + 2;
        var sql = $"""
            INSERT INTO trips (id, {names}, sync_lsn, sync_snapshot, sync_applied) VALUES ($1, {values}, ${lsnParameter}, ${lsnParameter + 1}, 1)
            ON CONFLICT (id) DO UPDATE SET {sets}, sync_lsn = excluded.sync_lsn, sync_snapshot = excluded.sync_snapshot, sync_applied = trips.sync_applied + 1
            """;
        var parameters = new List<object?> { row.Id };
        parameters.AddRange(columns.Select(c => c.Value(row)));
        parameters.Add(new NpgsqlLogSequenceNumber(command.Lsn));
        parameters.Add(command.Op == 'S');
        var batchCommand = Command(sql, [.. parameters]);
        var waypoints = columns.FindIndex(c => c.Column == "waypoints");
        if (waypoints >= 0)
        {
            batchCommand.Parameters[waypoints + 1].NpgsqlDbType = NpgsqlDbType.Jsonb;
        }

        return batchCommand;
    }

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value is NpgsqlLogSequenceNumber lsn
                ? new NpgsqlParameter { Value = lsn, NpgsqlDbType = NpgsqlDbType.PgLsn }
                : new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return command;
    }
}
