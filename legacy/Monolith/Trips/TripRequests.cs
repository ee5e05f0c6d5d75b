using RideShare.Contracts.Http;
using RideShare.Monolith.Http;

namespace RideShare.Monolith.Trips;

/// <summary>Body of POST /api/trips.</summary>
public sealed record TripRequest(
    long? PassengerId,
    GeoPointDto? Pickup,
    GeoPointDto? Dropoff,
    IReadOnlyList<GeoPointDto?>? Waypoints,
    string? PickupAddress,
    string? DropoffAddress);

/// <summary>Optional body of POST /api/trips/{id}/complete.</summary>
public sealed record CompleteTripRequest(int? Rating);

/// <summary>Optional body of POST /api/trips/{id}/cancel.</summary>
public sealed record CancelTripRequest(string? Reason);
