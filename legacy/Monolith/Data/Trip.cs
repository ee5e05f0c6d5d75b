using RideShare.Contracts.Values;
namespace RideShare.Monolith.Data;

public sealed class Trip : IVersioned
{
    public long Id { get; set; }

    /// <summary>Public reference shown to riders (uuid), independent of the internal key.</summary>
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

    /// <summary>Intermediate stops of the route, in order (jsonb).</summary>
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

    /// <summary>The driver reservation behind the trip when drivers are reached through their owner's API; null when assigned in this database.</summary>
    public string? ReservationKey { get; set; }

    public Passenger? Passenger { get; set; }
    public Driver? Driver { get; set; }

    public GeoPoint Pickup => new(PickupLatitude, PickupLongitude);
    public GeoPoint Dropoff => new(DropoffLatitude, DropoffLongitude);
}
