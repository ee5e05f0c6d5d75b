using RideShare.Contracts.Trips;
using RideShare.Contracts.Values;
using RideShare.Monolith.Data;

namespace RideShare.Monolith.Trips;

public static class TripMapping
{
    public static TripResponse ToResponse(Trip t) => new(
        t.Id, t.Reference, t.PassengerId, t.DriverId, StatusNames.ToName(t.Status),
        t.Pickup.Rounded(), t.PickupAddress, t.Dropoff.Rounded(), t.DropoffAddress, t.Waypoints.Select(w => w.Rounded()).ToList(),
        Decimals.Fixed(t.DistanceKm, 3), Decimals.Fixed(t.Fare, 2), t.Currency, t.RequestedAt, t.StartedAt, t.CompletedAt, t.CancelledAt,
        t.CancellationReason, t.PassengerRating, t.Version);
}
