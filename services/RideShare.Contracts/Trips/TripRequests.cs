using Microsoft.AspNetCore.Http.HttpResults;
using RideShare.Contracts.Http;
using RideShare.Contracts.Values;

namespace RideShare.Contracts.Trips;

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

/// <summary>The validated fields of a <see cref="TripRequest"/>.</summary>
public sealed record TripFields(long PassengerId, GeoPoint Pickup, GeoPoint Dropoff, IReadOnlyList<GeoPoint> Waypoints, string? PickupAddress, string? DropoffAddress)
{
    public const int MaxWaypoints = 10;

    public static TripFields? Validate(TripRequest request, ValidationErrors errors)
    {
        if (request.PassengerId is not > 0)
        {
            errors.Add("passengerId", "passengerId is required.");
        }

        var pickup = errors.Point("pickup", request.Pickup, required: true);
        var dropoff = errors.Point("dropoff", request.Dropoff, required: true);
        var waypoints = new List<GeoPoint>();
        if (request.Waypoints is { Count: > MaxWaypoints })
        {
            errors.Add("waypoints", $"At most {MaxWaypoints} waypoints.");
        }
        else if (request.Waypoints is not null)
        {
            for (var i = 0; i < request.Waypoints.Count; i++)
            {
                if (errors.Point($"waypoints[{i}]", request.Waypoints[i], required: true) is { } point)
                {
                    waypoints.Add(point);
                }
            }
        }

        var pickupAddress = errors.OptionalText("pickupAddress", request.PickupAddress, 300);
        var dropoffAddress = errors.OptionalText("dropoffAddress", request.DropoffAddress, 300);
        return errors.Any ? null : new TripFields(request.PassengerId!.Value, pickup!, dropoff!, waypoints, pickupAddress, dropoffAddress);
    }
}

/// <summary>The trip rules both the monolith and the Trips service apply, with their problems.</summary>
public static class TripRules
{
    public const string Resource = "trip";

    public static ProblemHttpResult ActiveTripConflict(long passengerId) =>
        ApiProblems.Conflict($"passenger {passengerId} already has an active trip; complete or cancel it first.");

    public static ProblemHttpResult? RefuseStart(long id, TripStatus status) => status == TripStatus.Assigned
        ? null
        : ApiProblems.Conflict($"trip {id} is {StatusNames.ToName(status)}: only an assigned trip can start.");

    public static ProblemHttpResult? RefuseComplete(long id, TripStatus status) => status == TripStatus.InProgress
        ? null
        : ApiProblems.Conflict($"trip {id} is {StatusNames.ToName(status)}: only a trip in progress can complete.");

    public static ProblemHttpResult? RefuseCancel(long id, TripStatus status) => status == TripStatus.Assigned
        ? null
        : ApiProblems.Conflict($"trip {id} is {StatusNames.ToName(status)}: only an assigned trip can be cancelled.");

    public static void ValidateRating(CompleteTripRequest? request, ValidationErrors errors)
    {
        if (request?.Rating is { } r && r is < 1 or > 5)
        {
            errors.Add("rating", "rating must be a whole number from 1 to 5.");
        }
    }
}
