using RideShare.Contracts.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using RideShare.Contracts.Values;

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

/// <summary>The validated fields of a <see cref="DriverStatusRequest"/>: a new status, a new position, or both.</summary>
public sealed record DriverStatusChange(DriverStatus? Status, GeoPoint? Location)
{
    public const string AvailableNeedsLocation = "location is required to become available: riders are matched by position.";

    public static DriverStatusChange? Validate(DriverStatusRequest request, ValidationErrors errors)
    {
        DriverStatus? status = null;
        if (request.Status is not null)
        {
            var parsed = errors.Status<DriverStatus>("status", request.Status);
            if (parsed == DriverStatus.OnTrip)
            {
                errors.Add("status", "on_trip is set by trip assignment, not by the driver: use offline or available.");
            }
            else
            {
                status = parsed;
            }
        }

        var location = errors.Point("location", request.Location, required: false);
        if (request.Status is null && request.Location is null)
        {
            errors.Add("status", "Send a status, a location, or both.");
        }

        return errors.Any ? null : new DriverStatusChange(status, location);
    }

    /// <summary>409 when the change sets a status on a driver who is on a trip (trips set and clear on_trip).</summary>
    public ProblemHttpResult? RefuseFor(long id, DriverStatus current) =>
        Status is not null && current == DriverStatus.OnTrip
            ? ApiProblems.Conflict($"driver {id} is on a trip: the status changes when the trip is completed or cancelled.")
            : null;
}
