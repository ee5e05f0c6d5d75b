using RideShare.Contracts.Values;

namespace RideShare.Contracts.Drivers;

public sealed record VehicleResponse(string Make, string Model, string Plate);

/// <summary>A driver as the API returns it (docs/api.md).</summary>
public sealed record DriverResponse(
    long Id,
    string FullName,
    string Email,
    string? Phone,
    string LicenceNumber,
    DateOnly LicenceExpiresOn,
    VehicleResponse Vehicle,
    string Status,
    GeoPoint? Location,
    DateTimeOffset? LocationUpdatedAt,
    decimal? Rating,
    int RatingCount,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int Version);
