using System.Text.Json;
using RideShare.Contracts.Values;
using RideShare.Trips.Store;
using Strangler.Cdc.Apply;
using Strangler.Cdc.Consumer;
using Strangler.Cdc.Events;

namespace RideShare.Trips.Sync;

/// <summary>
/// A change of the legacy <c>public.trips</c> table as a command for the Trips store: <c>S</c> snapshot put, <c>P</c>
/// put, <c>D</c> delete, at its LSN; <see cref="Unavailable"/> names the columns whose unchanged TOASTed value the
/// event left out (the row keeps its own); <see cref="DeadLetter"/> is stored instead when such a row is missing.
/// </summary>
public sealed record TripCommand(char Op, long Id, ulong Lsn, TripRow? Row, IReadOnlySet<string> Unavailable, string? DeadLetter = null);

/// <summary>
/// Legacy <c>public.trips</c> rows as Trips rows: snapshot reads, inserts and updates put the whole row, deletes
/// leave a tombstone. Anything the store cannot hold throws <see cref="PoisonChangeException"/>.
/// </summary>
public static class TripProjection
{
    public const string Table = "public.trips";
    private static readonly JsonSerializerOptions WaypointJson = new(JsonSerializerDefaults.Web);
    private static readonly string[] TextColumns = ["pickup_address", "dropoff_address", "cancellation_reason", "waypoints"];

    public static TripCommand Project(SourceChange change)
    {
        var c = change.Change;
        switch (c.Operation)
        {
            case ChangeOperation.Delete:
                var keyRow = c.Key ?? c.Before ?? throw new PoisonChangeException("a delete without a key or a before image");
                return new TripCommand('D', new ChangeRow(keyRow, Table).Long("id"), change.Lsn, null, new HashSet<string>());
            case ChangeOperation.Create or ChangeOperation.Update or ChangeOperation.Read:
                var row = new ChangeRow(c.After ?? throw new PoisonChangeException($"a '{c.Operation}' change without an after image"), Table);
                var unavailable = TextColumns.Where(column => row.OptionalText(column) == ChangeRow.Unavailable).ToHashSet();
                var trip = Row(row, unavailable);
                return new TripCommand(change.IsSnapshot ? 'S' : 'P', trip.Id, change.Lsn, trip, unavailable);
            default:
                throw new PoisonChangeException($"a '{c.Operation}' change is not applied to the store (after a truncate, run reconcile --repair)");
        }
    }

    /// <summary>The legacy row as a Trips row (reconcile reads legacy rows through the same code).</summary>
    public static TripRow Row(ChangeRow row, IReadOnlySet<string>? unavailable = null)
    {
        var statusText = row.Text("status");
        if (!StatusNames.TryParse<TripStatus>(statusText, out var status))
        {
            throw new PoisonChangeException($"{Table}.status is '{statusText}', not assigned, in_progress, completed or cancelled");
        }

        string? Text(string column) => unavailable?.Contains(column) == true ? null : row.OptionalText(column);
        var rating = row.OptionalLong("passenger_rating");
        return new TripRow
        {
            Id = row.Long("id"),
            Reference = row.Uuid("public_id"),
            PassengerId = row.Long("passenger_id"),
            DriverId = row.Long("driver_id"),
            Status = status,
            PickupLatitude = row.OptionalDecimal("pickup_latitude") ?? throw new PoisonChangeException($"{Table}.pickup_latitude is null"),
            PickupLongitude = row.OptionalDecimal("pickup_longitude") ?? throw new PoisonChangeException($"{Table}.pickup_longitude is null"),
            PickupAddress = Text("pickup_address"),
            DropoffLatitude = row.OptionalDecimal("dropoff_latitude") ?? throw new PoisonChangeException($"{Table}.dropoff_latitude is null"),
            DropoffLongitude = row.OptionalDecimal("dropoff_longitude") ?? throw new PoisonChangeException($"{Table}.dropoff_longitude is null"),
            DropoffAddress = Text("dropoff_address"),
            Waypoints = Waypoints(Text("waypoints")),
            DistanceKm = row.OptionalDecimal("distance_km") ?? throw new PoisonChangeException($"{Table}.distance_km is null"),
            Fare = row.OptionalDecimal("fare"),
            Currency = row.Text("currency"),
            RequestedAt = row.Timestamp("requested_at"),
            StartedAt = row.OptionalTimestamp("started_at"),
            CompletedAt = row.OptionalTimestamp("completed_at"),
            CancelledAt = row.OptionalTimestamp("cancelled_at"),
            CancellationReason = Text("cancellation_reason"),
            PassengerRating = rating is null ? null : rating is >= 1 and <= 5 ? (short)rating : throw new PoisonChangeException($"{Table}.passenger_rating is {rating}"),
            Version = row.Int("version"),
            ReservationKey = row.Has("reservation_key") ? row.OptionalText("reservation_key") : null, // the monolith's reservation, when it reached drivers through their API
        };
    }

    private static List<GeoPoint> Waypoints(string? json)
    {
        if (json is null)
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize<List<GeoPoint>>(json, WaypointJson) ?? [];
        }
        catch (JsonException e)
        {
            throw new PoisonChangeException($"{Table}.waypoints is not a list of positions: {e.Message}");
        }
    }
}
