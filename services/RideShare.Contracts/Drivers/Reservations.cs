using Microsoft.AspNetCore.Http.HttpResults;
using RideShare.Contracts.Http;
using RideShare.Contracts.Values;

namespace RideShare.Contracts.Drivers;

/// <summary>
/// The driver-reservation contract (docs/api.md, "Driver reservations"): how a caller outside the drivers' owner —
/// the Trips service — takes the nearest available driver, confirms it for a trip, releases it, or completes the
/// trip's ride, with the same requests and answers on the monolith and on the Drivers service. The caller picks the
/// reservation's key, which makes every call idempotent: a retried call returns the first answer and changes
/// nothing more, so a timeout can always be resolved by calling again.
/// </summary>
public enum ReservationState
{
    /// <summary>The driver is on_trip for this reservation; no trip is attached yet.</summary>
    Held,

    /// <summary>Attached to a trip.</summary>
    Confirmed,

    /// <summary>The driver was given back (available again), or the key was released before anything was held.</summary>
    Released,

    /// <summary>The ride ended: the driver is available at the dropoff and the rating, if any, is recorded.</summary>
    Completed,
}

/// <summary>Body of PUT /api/drivers/reservations/{key}.</summary>
public sealed record ReservationRequest(GeoPointDto? Pickup);

/// <summary>Body of POST /api/drivers/reservations/{key}/confirm.</summary>
public sealed record ConfirmReservationRequest(long? TripId);

/// <summary>Body of POST /api/drivers/reservations/{key}/complete.</summary>
public sealed record CompleteReservationRequest(GeoPointDto? Dropoff, int? Rating);

/// <summary>A reservation as the API returns it.</summary>
public sealed record ReservationResponse(
    string Key, long? DriverId, string State, long? TripId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>The reservation rules both sides apply: key format, state transitions, and their problems.</summary>
public static class Reservations
{
    public const int MaxKeyLength = 100;
    public const string NoDriverAvailable = "No driver is available near the pickup right now; try again shortly.";

    /// <summary>A key is 1–100 letters, digits, '.', '_', ':' or '-' (a UUID fits).</summary>
    public static bool IsValidKey(string? key) =>
        key is { Length: > 0 and <= MaxKeyLength } && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-');

    public static ValidationProblem? RefuseKey(string key)
    {
        if (IsValidKey(key))
        {
            return null;
        }

        var errors = new ValidationErrors();
        errors.Add("key", $"A reservation key is 1 to {MaxKeyLength} letters, digits, '.', '_', ':' or '-'.");
        return errors.ToProblem();
    }

    public static GeoPoint? ValidatePickup(ReservationRequest? request, ValidationErrors errors) =>
        errors.Point("pickup", request?.Pickup, required: true);

    public static long? ValidateTrip(ConfirmReservationRequest? request, ValidationErrors errors)
    {
        if (request?.TripId is not > 0)
        {
            errors.Add("tripId", "tripId is required: the id of the trip the driver is confirmed for.");
            return null;
        }

        return request.TripId;
    }

    public static (GeoPoint? Dropoff, int? Rating) ValidateCompletion(CompleteReservationRequest? request, ValidationErrors errors)
    {
        var dropoff = errors.Point("dropoff", request?.Dropoff, required: true);
        if (request?.Rating is { } r && r is < 1 or > 5)
        {
            errors.Add("rating", "rating must be a whole number from 1 to 5.");
        }

        return (dropoff, request?.Rating);
    }

    public static ProblemHttpResult NotFound(string key) =>
        TypedResults.Problem($"reservation '{key}' does not exist.", statusCode: StatusCodes.Status404NotFound, title: "Not Found");

    /// <summary>
    /// What a transition from <paramref name="current"/> answers: null when it applies (or already applied, with the
    /// same trip for a confirmation), otherwise the 409 to return.
    /// </summary>
    public static ProblemHttpResult? Refuse(string key, ReservationState current, ReservationState target, long? currentTrip = null, long? trip = null)
    {
        var allowed = (current, target) switch
        {
            (ReservationState.Held, _) => true,
            (ReservationState.Confirmed, ReservationState.Confirmed) => currentTrip == trip,
            (ReservationState.Confirmed, ReservationState.Released or ReservationState.Completed) => true,
            (ReservationState.Released, ReservationState.Released) => true,
            (ReservationState.Completed, ReservationState.Completed) => true,
            _ => false,
        };
        if (allowed)
        {
            return null;
        }

        var detail = current == ReservationState.Confirmed && target == ReservationState.Confirmed
            ? $"reservation '{key}' is confirmed for trip {currentTrip}, not {trip}."
            : $"reservation '{key}' is {StatusNames.ToName(current)}: it cannot become {StatusNames.ToName(target)}.";
        return ApiProblems.Conflict(detail);
    }

    /// <summary>True when applying <paramref name="target"/> to <paramref name="current"/> changes nothing (a retry).</summary>
    public static bool IsRepeat(ReservationState current, ReservationState target) => current == target;

    public static ProblemHttpResult ReleasedKey(string key) =>
        ApiProblems.Conflict($"reservation '{key}' was released: use a new key to reserve again.");
}
