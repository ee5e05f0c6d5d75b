using System.Globalization;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using RideShare.Contracts.Values;
using RideShare.Drivers.Store;
using StackExchange.Redis;
using Strangler.Cdc.Apply;
using Strangler.Cdc.Sync;

namespace RideShare.Drivers.Sync;

/// <summary>
/// Reverse sync, Drivers store → legacy <c>drivers</c>, for while the service owns drivers' writes. A Redis-protocol
/// store has no log to read, so every API write appends "seq:op:id" to the outbox <c>drivers:outbox</c> in the same
/// store script as the data (<see cref="DriverScript"/>). This worker applies the outbox in order into legacy: each
/// round is one legacy transaction under the PostgreSQL replication origin <c>strangler_{slot}</c>, whose progress is
/// set to the round's last sequence number in that same transaction (exactly once: after a crash the rounds up to the
/// progress are skipped), and which the forward capture skips (no change loops back to the service). It writes each
/// driver's current state, so a round applies the newest state of every driver it names. A row legacy refuses (a
/// constraint) is dead-lettered with its reason; the rest of the round applies.
/// </summary>
public sealed class DriverReverseSync(
    IConnectionMultiplexer redis, DriverStore store, IOptions<SyncOptions> options, LegacyDatabase legacy, TimeProvider time,
    ILogger<DriverReverseSync> logger) : BackgroundService, IReverseSync
{
    public const string Outbox = "drivers:outbox";
    public const string OutboxSequence = "drivers:outbox:seq";
    public const string DeadLetters = "sync:reverse:deadletters";
    private const int RoundSize = 500;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private readonly object _lock = new();
    private ReverseSyncStatus _status = new("starting", "", 0, 0, 0, 0, null, null);

    public string Origin => $"strangler_{(options.Value.Slot is { Length: > 0 } slot ? slot : "sync_drivers")}".ToLowerInvariant();

    public ReverseSyncStatus Status
    {
        get
        {
            lock (_lock)
            {
                return _status;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(legacy.ConnectionString);
                await connection.OpenAsync(stoppingToken);
                await SetupOriginAsync(connection, stoppingToken);
                backoff = TimeSpan.FromMilliseconds(100);
                while (!stoppingToken.IsCancellationRequested)
                {
                    if (await RoundAsync(connection, stoppingToken) == 0)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(10), time, stoppingToken); // idle: poll the outbox
                    }
                }
            }
            catch (Exception e) when (e is NpgsqlException or RedisException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
            {
                Update(s => s with { State = "retrying", LastError = e.Message });
                logger.LogWarning("Reverse sync: {Error}; retrying in {Delay} ms", e.Message, backoff.TotalMilliseconds);
                await Task.Delay(backoff, time, stoppingToken);
                backoff = TimeSpan.FromMilliseconds(Math.Min(5_000, backoff.TotalMilliseconds * 2));
            }
        }
    }

    /// <summary>Applies up to one round of the outbox; returns how many entries it consumed.</summary>
    public async Task<int> RoundAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var progress = await ProgressAsync(connection, cancellationToken);
        var sequence = await db.StringGetAsync(OutboxSequence);
        var written = sequence.HasValue && ulong.TryParse(sequence.ToString(), NumberStyles.None, Inv, out var w) ? w : 0;
        var entries = (await db.ListRangeAsync(Outbox, 0, RoundSize - 1)).Select(e => Parse(e!)).ToList();
        Update(s => s with { State = "running", Origin = Origin, WrittenPosition = written, AppliedPosition = progress, Pending = entries.Count(e => e.Seq > progress), LastError = null });
        if (entries.Count == 0)
        {
            return 0;
        }

        var fresh = entries.Where(e => e.Seq > progress).ToList();
        if (fresh.Count > 0)
        {
            var last = fresh[^1].Seq;
            var ids = fresh.Select(e => e.Id).Distinct().Order().ToList();
            var dead = new List<string>();
            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
            {
                await using (var setup = new NpgsqlCommand("SELECT pg_replication_origin_xact_setup($1, $2)", connection, transaction))
                {
                    setup.Parameters.Add(new NpgsqlParameter { Value = new NpgsqlLogSequenceNumber(last), NpgsqlDbType = NpgsqlDbType.PgLsn });
                    setup.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() });
                    await setup.ExecuteNonQueryAsync(cancellationToken);
                }

                foreach (var id in ids)
                {
                    var record = await store.GetAsync(id);
                    await using var savepoint = new NpgsqlCommand("SAVEPOINT reverse_row", connection, transaction);
                    await savepoint.ExecuteNonQueryAsync(cancellationToken);
                    try
                    {
                        await using var write = record is null ? Delete(connection, transaction, id) : Upsert(connection, transaction, record);
                        await write.ExecuteNonQueryAsync(cancellationToken);
                    }
                    catch (PostgresException e)
                    {
                        await using var rollback = new NpgsqlCommand("ROLLBACK TO SAVEPOINT reverse_row", connection, transaction);
                        await rollback.ExecuteNonQueryAsync(cancellationToken);
                        dead.Add(System.Text.Json.JsonSerializer.Serialize(new
                        {
                            reason = $"legacy refused driver {id} ({(record is null ? "delete" : "upsert")}): {e.MessageText}",
                            id, seq = last, at = time.GetUtcNow(),
                        }));
                    }
                }

                // Ids the service gave out continue in legacy's identity, so the monolith never reuses one after a handback.
                await using (var ids2 = new NpgsqlCommand("""
                    SELECT setval(s, m) FROM (SELECT pg_get_serial_sequence('drivers', 'id')::regclass AS s, (SELECT max(id) FROM drivers) AS m) x
                    WHERE m > COALESCE(pg_sequence_last_value(s), 0)
                    """, connection, transaction))
                {
                    await ids2.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken); // the rows and the origin's progress together
            }

            foreach (var letter in dead)
            {
                await db.ListRightPushAsync(DeadLetters, letter);
                logger.LogError("Reverse sync: {DeadLetter}", letter);
            }

            progress = last;
        }

        // Entries up to the progress are in legacy: drop them from the outbox (a crash before this only means they are skipped next time).
        await db.ListTrimAsync(Outbox, entries.Count(e => e.Seq <= progress), -1);
        var deadLetters = await db.ListLengthAsync(DeadLetters);
        Update(s => s with
        {
            AppliedPosition = progress, Pending = Math.Max(0, (long)(written - Math.Min(written, progress))), DeadLetters = deadLetters,
            LastAppliedAt = fresh.Count > 0 ? time.GetUtcNow() : s.LastAppliedAt,
        });
        return entries.Count;
    }

    private async Task SetupOriginAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using (var create = new NpgsqlCommand(
            "SELECT pg_replication_origin_create($1) WHERE NOT EXISTS (SELECT 1 FROM pg_replication_origin WHERE roname = $1)", connection))
        {
            create.Parameters.Add(new NpgsqlParameter { Value = Origin });
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var setup = new NpgsqlCommand("SELECT pg_replication_origin_session_setup($1)", connection);
        setup.Parameters.Add(new NpgsqlParameter { Value = Origin });
        await setup.ExecuteNonQueryAsync(cancellationToken);
        Update(s => s with { Origin = Origin });
    }

    private async Task<ulong> ProgressAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_replication_origin_progress($1, true)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Origin });
        return await command.ExecuteScalarAsync(cancellationToken) is NpgsqlLogSequenceNumber lsn ? (ulong)lsn : 0;
    }

    private static NpgsqlCommand Upsert(NpgsqlConnection connection, NpgsqlTransaction transaction, DriverRecord r)
    {
        var command = new NpgsqlCommand("""
            INSERT INTO drivers (id, full_name, email, phone, licence_number, licence_expires_on, vehicle_make, vehicle_model, vehicle_plate,
                                 status, latitude, longitude, location_updated_at, rating, rating_count, created_at, updated_at, version)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
            ON CONFLICT (id) DO UPDATE SET full_name = excluded.full_name, email = excluded.email, phone = excluded.phone,
                licence_number = excluded.licence_number, licence_expires_on = excluded.licence_expires_on, vehicle_make = excluded.vehicle_make,
                vehicle_model = excluded.vehicle_model, vehicle_plate = excluded.vehicle_plate, status = excluded.status, latitude = excluded.latitude,
                longitude = excluded.longitude, location_updated_at = excluded.location_updated_at, rating = excluded.rating,
                rating_count = excluded.rating_count, created_at = excluded.created_at, updated_at = excluded.updated_at, version = excluded.version
            """, connection, transaction);
        foreach (var value in new object?[]
        {
            r.Id, r.FullName, r.Email, r.Phone, r.LicenceNumber, r.LicenceExpiresOn, r.VehicleMake, r.VehicleModel, r.VehiclePlate,
            StatusNames.ToName(r.Status), r.Latitude, r.Longitude, r.LocationUpdatedAt, r.Rating, r.RatingCount, r.CreatedAt, r.UpdatedAt, r.Version,
        })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return command;
    }

    private static NpgsqlCommand Delete(NpgsqlConnection connection, NpgsqlTransaction transaction, long id)
    {
        var command = new NpgsqlCommand("DELETE FROM drivers WHERE id = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return command;
    }

    private static (ulong Seq, char Op, long Id) Parse(string entry)
    {
        var parts = entry.Split(':');
        return (ulong.Parse(parts[0], Inv), parts[1][0], long.Parse(parts[2], Inv));
    }

    private void Update(Func<ReverseSyncStatus, ReverseSyncStatus> change)
    {
        lock (_lock)
        {
            _status = change(_status);
        }
    }
}

/// <summary>The monolith's database the reverse sync writes into (the one the forward sync reads).</summary>
public sealed record LegacyDatabase(string ConnectionString);
