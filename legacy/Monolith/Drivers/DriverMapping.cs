using RideShare.Contracts.Drivers;
using RideShare.Contracts.Values;
using RideShare.Monolith.Data;

namespace RideShare.Monolith.Drivers;

/// <summary>The monolith's driver row as the contract's response.</summary>
internal static class DriverMapping
{
    public static DriverResponse ToResponse(Driver d) => new(
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
