using RideShare.Monolith.Data;

namespace RideShare.Monolith.Drivers;

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
    int Version)
{
    public static DriverResponse From(Driver d) => new(
        d.Id,
        d.FullName,
        d.Email,
        d.Phone,
        d.LicenceNumber,
        d.LicenceExpiresOn,
        new VehicleResponse(d.VehicleMake, d.VehicleModel, d.VehiclePlate),
        StatusNames.ToName(d.Status),
        d.Latitude is { } lat && d.Longitude is { } lng ? new GeoPoint(lat, lng).Rounded() : null,
        d.LocationUpdatedAt,
        Decimals.Fixed(d.Rating, 2),
        d.RatingCount,
        d.CreatedAt,
        d.UpdatedAt,
        d.Version);
}
