using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using RideShare.Contracts.Values;
using RideShare.Trips.Store;
using Strangler.Cdc.Sync.Reverse;

namespace RideShare.Trips.Sync;

/// <summary>
/// The Trips store's side of the reverse sync (<see cref="ReverseSyncWorker"/>): every save that writes a trip adds a
/// row to <c>reverse_outbox</c> in the same transaction (<see cref="TripsDbContext.WritesOutbox"/>); a round writes each
/// named trip's current row into legacy <c>trips</c>, whose foreign keys and one-active-trip indexes then apply (a trip
/// legacy refuses is dead-lettered).
/// </summary>
public sealed class TripReverseSource(NpgsqlDataSource own, DbContextOptions<TripsDbContext> options) : SqlOutboxSource(own, "reverse_outbox", "reverse_dead_letters")
{
    private static readonly JsonSerializerOptions WaypointJson = new(JsonSerializerDefaults.Web);

    public override string Table => "trips";

    public override async Task WriteLegacyAsync(long id, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var db = new TripsDbContext(options);
        var t = await db.Trips.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, cancellationToken);
        await using var command = new NpgsqlCommand(t is null
            ? "DELETE FROM trips WHERE id = $1"
            : """
              INSERT INTO trips (id, public_id, passenger_id, driver_id, status, pickup_latitude, pickup_longitude, pickup_address, dropoff_latitude,
                                 dropoff_longitude, dropoff_address, waypoints, distance_km, fare, currency, requested_at, started_at, completed_at,
                                 cancelled_at, cancellation_reason, passenger_rating, version, reservation_key)
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
              ON CONFLICT (id) DO UPDATE SET public_id = excluded.public_id, passenger_id = excluded.passenger_id, driver_id = excluded.driver_id,
                  status = excluded.status, pickup_latitude = excluded.pickup_latitude, pickup_longitude = excluded.pickup_longitude,
                  pickup_address = excluded.pickup_address, dropoff_latitude = excluded.dropoff_latitude, dropoff_longitude = excluded.dropoff_longitude,
                  dropoff_address = excluded.dropoff_address, waypoints = excluded.waypoints, distance_km = excluded.distance_km, fare = excluded.fare,
                  currency = excluded.currency, requested_at = excluded.requested_at, started_at = excluded.started_at, completed_at = excluded.completed_at,
                  cancelled_at = excluded.cancelled_at, cancellation_reason = excluded.cancellation_reason, passenger_rating = excluded.passenger_rating,
                  version = excluded.version, reservation_key = excluded.reservation_key
              """, connection, transaction);
        object?[] values = t is null
            ? [id]
            :
            [
                t.Id, t.Reference, t.PassengerId, t.DriverId, StatusNames.ToName(t.Status), t.PickupLatitude, t.PickupLongitude, t.PickupAddress,
                t.DropoffLatitude, t.DropoffLongitude, t.DropoffAddress, null, t.DistanceKm, t.Fare, t.Currency, t.RequestedAt, t.StartedAt, t.CompletedAt,
                t.CancelledAt, t.CancellationReason, t.PassengerRating, t.Version, t.ReservationKey,
            ];
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters.Add(t is not null && i == 11
                ? new NpgsqlParameter { Value = JsonSerializer.Serialize(t.Waypoints, WaypointJson), NpgsqlDbType = NpgsqlDbType.Jsonb }
                : new NpgsqlParameter { Value = values[i] ?? DBNull.Value });
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

}
