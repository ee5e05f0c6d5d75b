using System.Globalization;
using Npgsql;
using RideShare.Contracts.Values;
using RideShare.Drivers.Store;
using StackExchange.Redis;
using Strangler.Cdc.Sync.Reverse;

namespace RideShare.Drivers.Sync;

/// <summary>
/// The Drivers store's side of the reverse sync (<see cref="ReverseSyncWorker"/>). A Redis-protocol store has no log
/// to read, so every API write appends "seq:op:id" to the outbox <c>drivers:outbox</c> in the same store script as the
/// data (<see cref="DriverScript"/>; the sequence is <c>drivers:outbox:seq</c>). A round writes each named driver's
/// current hash into legacy <c>drivers</c> (or deletes it), then moves legacy's identity past the ids the service gave.
/// </summary>
public sealed class DriverReverseSource(IConnectionMultiplexer redis, DriverStore store) : IReverseSyncSource
{
    public const string Outbox = "drivers:outbox";
    public const string OutboxSequence = "drivers:outbox:seq";
    public const string DeadLetters = "sync:reverse:deadletters";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public string Table => "drivers";

    public async Task<ulong> WrittenAsync(CancellationToken cancellationToken)
    {
        var sequence = await redis.GetDatabase().StringGetAsync(OutboxSequence);
        return sequence.HasValue && ulong.TryParse(sequence.ToString(), NumberStyles.None, Inv, out var written) ? written : 0;
    }

    public async Task<IReadOnlyList<(ulong Seq, long Id)>> ReadAsync(int max, CancellationToken cancellationToken) =>
        (await redis.GetDatabase().ListRangeAsync(Outbox, 0, max - 1)).Select(e =>
        {
            var parts = e.ToString().Split(':'); // seq:op:id
            return (ulong.Parse(parts[0], Inv), long.Parse(parts[2], Inv));
        }).ToList();

    /// <summary>The entries read are the list's head (writes append at its tail, only this removes): drop that many.</summary>
    public async Task TrimAsync(IReadOnlyList<ulong> seqs, CancellationToken cancellationToken)
    {
        if (seqs.Count > 0)
        {
            await redis.GetDatabase().ListTrimAsync(Outbox, seqs.Count, -1);
        }
    }

    public async Task WriteLegacyAsync(long id, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = await store.GetAsync(id) is { } r
            ? Command(connection, transaction, """
                INSERT INTO drivers (id, full_name, email, phone, licence_number, licence_expires_on, vehicle_make, vehicle_model, vehicle_plate,
                                     status, latitude, longitude, location_updated_at, rating, rating_count, created_at, updated_at, version)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
                ON CONFLICT (id) DO UPDATE SET full_name = excluded.full_name, email = excluded.email, phone = excluded.phone,
                    licence_number = excluded.licence_number, licence_expires_on = excluded.licence_expires_on, vehicle_make = excluded.vehicle_make,
                    vehicle_model = excluded.vehicle_model, vehicle_plate = excluded.vehicle_plate, status = excluded.status, latitude = excluded.latitude,
                    longitude = excluded.longitude, location_updated_at = excluded.location_updated_at, rating = excluded.rating,
                    rating_count = excluded.rating_count, created_at = excluded.created_at, updated_at = excluded.updated_at, version = excluded.version
                """,
                r.Id, r.FullName, r.Email, r.Phone, r.LicenceNumber, r.LicenceExpiresOn, r.VehicleMake, r.VehicleModel, r.VehiclePlate,
                StatusNames.ToName(r.Status), r.Latitude, r.Longitude, r.LocationUpdatedAt, r.Rating, r.RatingCount, r.CreatedAt, r.UpdatedAt, r.Version)
            : Command(connection, transaction, "DELETE FROM drivers WHERE id = $1", id);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task AfterRoundAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        ReverseSyncWorker.AdvanceIdentityAsync("drivers", connection, transaction, cancellationToken);

    public async Task DeadLetterAsync(string letter, CancellationToken cancellationToken) => await redis.GetDatabase().ListRightPushAsync(DeadLetters, letter);

    public async Task<long> DeadLetterCountAsync(CancellationToken cancellationToken) => await redis.GetDatabase().ListLengthAsync(DeadLetters);

    internal static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params object?[] values)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return command;
    }
}
