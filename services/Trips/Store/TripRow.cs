using NpgsqlTypes;
using RideShare.Contracts.Trips;
using RideShare.Contracts.Values;

namespace RideShare.Trips.Store;

/// <summary>A row of the Trips service's <c>trips</c> table.</summary>
public sealed class TripRow
{
    public long Id { get; set; }
    public Guid Reference { get; set; }
    public long PassengerId { get; set; }
    public long DriverId { get; set; }
    public TripStatus Status { get; set; }
    public decimal PickupLatitude { get; set; }
    public decimal PickupLongitude { get; set; }
    public string? PickupAddress { get; set; }
    public decimal DropoffLatitude { get; set; }
    public decimal DropoffLongitude { get; set; }
    public string? DropoffAddress { get; set; }
    public List<GeoPoint> Waypoints { get; set; } = [];
    public decimal DistanceKm { get; set; }
    public decimal? Fare { get; set; }
    public required string Currency { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public DateTimeOffset? CancelledAt { get; set; }
    public string? CancellationReason { get; set; }
    public short? PassengerRating { get; set; }
    public int Version { get; set; }

    /// <summary>The driver reservation behind this trip (docs/api.md); null for a trip the monolith assigned.</summary>
    public string? ReservationKey { get; set; }

    /// <summary>The legacy change that last wrote the row (null for the service's own writes), and whether it was a snapshot read.</summary>
    public NpgsqlLogSequenceNumber? SyncLsn { get; set; }
    public bool SyncSnapshot { get; set; }

    /// <summary>Legacy changes applied to the row: exactly one per change.</summary>
    public int SyncApplied { get; set; }

    public GeoPoint Pickup => new(PickupLatitude, PickupLongitude);
    public GeoPoint Dropoff => new(DropoffLatitude, DropoffLongitude);

    public TripResponse ToResponse() => new(
        Id, Reference, PassengerId, DriverId, StatusNames.ToName(Status),
        Pickup.Rounded(), PickupAddress, Dropoff.Rounded(), DropoffAddress, Waypoints.Select(w => w.Rounded()).ToList(),
        Decimals.Fixed(DistanceKm, 3), Decimals.Fixed(Fare, 2), Currency, RequestedAt, StartedAt, CompletedAt, CancelledAt,
        CancellationReason, PassengerRating, Version);
}

/// <summary>
/// A row of <c>trip_requests</c>: one POST /api/trips by its idempotency key. <c>reserving</c> while the driver is
/// being reserved (a crash leaves it there, and recovery releases the reservation); <c>done</c> with the answer
/// to replay.
/// </summary>
public sealed class TripRequestRow
{
    public required string IdempotencyKey { get; set; }
    public required string RequestHash { get; set; }
    public required string ReservationKey { get; set; }
    public required string State { get; set; }
    public long? TripId { get; set; }

    /// <summary>Whether the reservation was confirmed for the trip (recovery confirms it when the call failed).</summary>
    public bool Confirmed { get; set; }
    public int? StatusCode { get; set; }
    public string? Response { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A row of <c>reverse_outbox</c>: a trip the service wrote, for the reverse sync to carry to legacy.</summary>
public sealed class OutboxRow
{
    public long Seq { get; set; }
    public long Id { get; set; }
}
