using RideShare.Contracts.Values;

namespace RideShare.Contracts.Trips;

/// <summary>A trip as the API returns it (docs/api.md).</summary>
public sealed record TripResponse(
    long Id,
    Guid Reference,
    long PassengerId,
    long DriverId,
    string Status,
    GeoPoint Pickup,
    string? PickupAddress,
    GeoPoint Dropoff,
    string? DropoffAddress,
    IReadOnlyList<GeoPoint> Waypoints,
    decimal DistanceKm,
    decimal? Fare,
    string Currency,
    DateTimeOffset RequestedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset? CancelledAt,
    string? CancellationReason,
    short? Rating,
    int Version);
