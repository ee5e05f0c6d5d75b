using RideShare.Contracts.Http;

namespace RideShare.Contracts.Drivers;

public sealed record VehicleDto(string? Make, string? Model, string? Plate);

/// <summary>Body of POST /api/drivers and PUT /api/drivers/{id}.</summary>
public sealed record DriverRequest(
    string? FullName,
    string? Email,
    string? Phone,
    string? LicenceNumber,
    DateOnly? LicenceExpiresOn,
    VehicleDto? Vehicle);

/// <summary>Body of PUT /api/drivers/{id}/status.</summary>
public sealed record DriverStatusRequest(string? Status, GeoPointDto? Location);
