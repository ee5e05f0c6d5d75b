using RideShare.Contracts.Values;
using RideShare.Monolith.Data;

namespace RideShare.Monolith.Trips;

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
    int Version)
{
    public static TripResponse From(Trip t) => new(
        t.Id, t.Reference, t.PassengerId, t.DriverId, StatusNames.ToName(t.Status),
        t.Pickup.Rounded(), t.PickupAddress, t.Dropoff.Rounded(), t.DropoffAddress, t.Waypoints.Select(w => w.Rounded()).ToList(),
        Decimals.Fixed(t.DistanceKm, 3), Decimals.Fixed(t.Fare, 2), t.Currency, t.RequestedAt, t.StartedAt, t.CompletedAt, t.CancelledAt,
        t.CancellationReason, t.PassengerRating, t.Version);
}
