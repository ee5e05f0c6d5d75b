using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using RideShare.Contracts.Drivers;
using RideShare.Contracts.Http;
using RideShare.Contracts.Pricing;
using RideShare.Contracts.Values;
using RideShare.Drivers.Store;
using Strangler.Cdc.Sync;

namespace RideShare.Drivers.Api;

/// <summary>
/// /api/drivers/reservations on the Drivers store: the reservation contract (<see cref="Reservations"/>), answered
/// as the monolith answers it. A reservation is the hash <c>drivers:reservation:{key}</c>; each change runs as one
/// store script with its driver's change, guarded by the reservation's state and the driver's version, and is
/// retried on a concurrent change — so a driver is never held twice and a reservation never changes without its driver.
/// Writes, so refused while the monolith owns drivers (<see cref="WriteOwnership"/>).
/// </summary>
public static class ReservationsApi
{
    private const int Candidates = 8;
    private const int Attempts = 20;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static IEndpointRouteBuilder MapReservationsApi(this IEndpointRouteBuilder app)
    {
        var reservations = app.MapGroup("/api/drivers/reservations").WithTags("Driver reservations");
        reservations.MapPut("/{key}", Reserve);
        reservations.MapGet("/{key}", GetReservation);
        reservations.MapPost("/{key}/confirm", Confirm);
        reservations.MapPost("/{key}/release", Release);
        reservations.MapPost("/{key}/complete", Complete);
        return app;
    }

    public static string StoreKey(string key) => $"drivers:reservation:{key}";

    public static async Task<Results<Created<ReservationResponse>, Ok<ReservationResponse>, ValidationProblem, ProblemHttpResult>> Reserve(
        string key, ReservationRequest? request, DriverStore store, WriteOwnership ownership, LegacyReservations legacy, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Reservations.RefuseKey(key) is { } badKey)
        {
            return badKey;
        }

        if (ownership.RefuseWrite("drivers") is { } refused)
        {
            return refused;
        }

        var errors = new ValidationErrors();
        var pickup = Reservations.ValidatePickup(request, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            if (await store.RecordAsync(StoreKey(key)) is { } existing)
            {
                var stored = Read(existing);
                return stored.State == ReservationState.Released ? Reservations.ReleasedKey(key) : TypedResults.Ok(ToResponse(stored));
            }

            if (await AdoptAsync(store, legacy, key, cancellationToken))
            {
                continue; // made in legacy before the handoff: answered as that reservation
            }

            var candidates = await store.NearestAvailableIdsAsync(pickup!.Latitude, pickup.Longitude, Candidates);
            if (candidates.Count == 0)
            {
                return ApiProblems.Conflict(Reservations.NoDriverAvailable);
            }

            foreach (var id in candidates)
            {
                if (await store.GetAsync(id) is not { Status: DriverStatus.Available } driver)
                {
                    continue;
                }

                var now = Clock.Now(time);
                var reservation = new Stored(key, id, ReservationState.Held, null, now, now);
                var results = await store.WriteGuardedAsync(
                    new GuardedRecord(StoreKey(key), null, StoreKey(key), Fields(reservation)),
                    new DriverCommand('P', id, null, driver.Version, false, driver with { Status = DriverStatus.OnTrip, UpdatedAt = now, Version = driver.Version + 1 }));
                if (results is null)
                {
                    break; // the key was reserved concurrently: answer with that reservation
                }

                if (results[0].Outcome == DriverWriteOutcome.Applied)
                {
                    return TypedResults.Created($"/api/drivers/reservations/{key}", ToResponse(reservation));
                }
            }
        }

        return ApiProblems.Conflict($"reservation '{key}' could not be settled: drivers kept changing; retry with the same key.");
    }

    public static async Task<Results<Ok<ReservationResponse>, ValidationProblem, ProblemHttpResult>> GetReservation(
        string key, DriverStore store, LegacyReservations legacy, CancellationToken cancellationToken)
    {
        if (Reservations.RefuseKey(key) is { } badKey)
        {
            return badKey;
        }

        if (await store.RecordAsync(StoreKey(key)) is { } stored)
        {
            return TypedResults.Ok(ToResponse(Read(stored)));
        }

        return await legacy.FindAsync(key, cancellationToken) is { } made ? TypedResults.Ok(ToResponse(FromLegacy(made))) : Reservations.NotFound(key);
    }

    public static async Task<Results<Ok<ReservationResponse>, ValidationProblem, ProblemHttpResult>> Confirm(
        string key, ConfirmReservationRequest? request, DriverStore store, WriteOwnership ownership, LegacyReservations legacy, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Reservations.RefuseKey(key) is { } badKey)
        {
            return badKey;
        }

        var errors = new ValidationErrors();
        var tripId = Reservations.ValidateTrip(request, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return await TransitionAsync(store, ownership, legacy, time, key, ReservationState.Confirmed, tripId, createReleased: false, (_, driver, _) => driver, cancellationToken);
    }

    public static async Task<Results<Ok<ReservationResponse>, ValidationProblem, ProblemHttpResult>> Release(
        string key, DriverStore store, WriteOwnership ownership, LegacyReservations legacy, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Reservations.RefuseKey(key) is { } badKey)
        {
            return badKey;
        }

        return await TransitionAsync(store, ownership, legacy, time, key, ReservationState.Released, null, createReleased: true, (_, driver, _) =>
            driver is { Status: DriverStatus.OnTrip } ? driver with { Status = DriverStatus.Available } : driver, cancellationToken);
    }

    public static async Task<Results<Ok<ReservationResponse>, ValidationProblem, ProblemHttpResult>> Complete(
        string key, CompleteReservationRequest? request, DriverStore store, WriteOwnership ownership, LegacyReservations legacy, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (Reservations.RefuseKey(key) is { } badKey)
        {
            return badKey;
        }

        var errors = new ValidationErrors();
        var (dropoff, rating) = Reservations.ValidateCompletion(request, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return await TransitionAsync(store, ownership, legacy, time, key, ReservationState.Completed, null, createReleased: false, (_, driver, now) =>
        {
            if (driver is null)
            {
                return null;
            }

            var done = driver with { Status = DriverStatus.Available, Latitude = dropoff!.Latitude, Longitude = dropoff.Longitude, LocationUpdatedAt = now };
            return rating is { } r
                ? done with { Rating = FareCalculator.NewRating(driver.Rating, driver.RatingCount, r), RatingCount = driver.RatingCount + 1 }
                : done;
        }, cancellationToken);
    }

    /// <summary>
    /// Refuses a transition the reservation's state does not allow, answers a repeat unchanged, and otherwise writes
    /// the reservation's new state with its driver's change in one guarded script, retrying on a concurrent change.
    /// </summary>
    private static async Task<Results<Ok<ReservationResponse>, ValidationProblem, ProblemHttpResult>> TransitionAsync(
        DriverStore store, WriteOwnership ownership, LegacyReservations legacy, TimeProvider time, string key, ReservationState target, long? tripId,
        bool createReleased, Func<Stored, DriverRecord?, DateTimeOffset, DriverRecord?> change, CancellationToken cancellationToken)
    {
        if (ownership.RefuseWrite("drivers") is { } refused)
        {
            return refused;
        }

        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var now = Clock.Now(time);
            if (await store.RecordAsync(StoreKey(key)) is not { } hash)
            {
                if (await AdoptAsync(store, legacy, key, cancellationToken))
                {
                    continue; // made in legacy before the handoff: now in the store, transition it
                }

                if (!createReleased)
                {
                    return Reservations.NotFound(key);
                }

                // Released before anything was held: the key is spent, so a late reserve with it takes no driver.
                var spent = new Stored(key, null, ReservationState.Released, null, now, now);
                if (await store.WriteGuardedAsync(new GuardedRecord(StoreKey(key), null, StoreKey(key), Fields(spent))) is not null)
                {
                    return TypedResults.Ok(ToResponse(spent));
                }

                continue;
            }

            var reservation = Read(hash);
            if (Reservations.Refuse(key, reservation.State, target, reservation.TripId, tripId) is { } conflict)
            {
                return conflict;
            }

            if (Reservations.IsRepeat(reservation.State, target))
            {
                return TypedResults.Ok(ToResponse(reservation));
            }

            var driver = reservation.DriverId is { } driverId ? await store.GetAsync(driverId) : null;
            var changed = change(reservation, driver, now);
            var next = reservation with { State = target, TripId = tripId ?? reservation.TripId, UpdatedAt = now };
            var commands = driver is not null && changed is not null && changed != driver
                ? new[] { new DriverCommand('P', driver.Id, null, driver.Version, false, changed with { UpdatedAt = now, Version = driver.Version + 1 }) }
                : [];
            var results = await store.WriteGuardedAsync(
                new GuardedRecord(StoreKey(key), StatusNames.ToName(reservation.State), StoreKey(key), Fields(next)), commands);
            if (results is not null && results.All(r => r.Outcome == DriverWriteOutcome.Applied))
            {
                return TypedResults.Ok(ToResponse(next));
            }
        }

        return ApiProblems.Conflict($"reservation '{key}' could not be settled: its driver kept changing; retry with the same key.");
    }

    private sealed record Stored(string Key, long? DriverId, ReservationState State, long? TripId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

    private static List<(string Field, string Value)> Fields(Stored r)
    {
        var fields = new List<(string, string)>
        {
            ("key", r.Key), ("state", StatusNames.ToName(r.State)), ("createdAt", r.CreatedAt.ToString("O", Inv)), ("updatedAt", r.UpdatedAt.ToString("O", Inv)),
        };
        if (r.DriverId is { } d)
        {
            fields.Add(("driverId", d.ToString(Inv)));
        }

        if (r.TripId is { } t)
        {
            fields.Add(("tripId", t.ToString(Inv)));
        }

        return fields;
    }

    private static Stored Read(Dictionary<string, string> hash) => new(
        hash["key"], hash.TryGetValue("driverId", out var d) ? long.Parse(d, Inv) : null, StatusNames.Parse<ReservationState>(hash["state"]),
        hash.TryGetValue("tripId", out var t) ? long.Parse(t, Inv) : null,
        DateTimeOffset.Parse(hash["createdAt"], Inv, DateTimeStyles.RoundtripKind), DateTimeOffset.Parse(hash["updatedAt"], Inv, DateTimeStyles.RoundtripKind));

    /// <summary>
    /// Copies a reservation legacy made (before drivers were handed over) into the store, unless the store got one for
    /// the key meanwhile; true when legacy had it. Its driver is already in the store (the sync brought it, up to the fence).
    /// </summary>
    private static async Task<bool> AdoptAsync(DriverStore store, LegacyReservations legacy, string key, CancellationToken cancellationToken)
    {
        if (await legacy.FindAsync(key, cancellationToken) is not { } made)
        {
            return false;
        }

        await store.WriteGuardedAsync(new GuardedRecord(StoreKey(key), null, StoreKey(key), Fields(FromLegacy(made))));
        return true;
    }

    private static Stored FromLegacy(LegacyReservation r) =>
        new(r.Key, r.DriverId, StatusNames.Parse<ReservationState>(r.State), r.TripId, r.CreatedAt, r.UpdatedAt);

    private static ReservationResponse ToResponse(Stored r) => new(r.Key, r.DriverId, StatusNames.ToName(r.State), r.TripId, r.CreatedAt, r.UpdatedAt);
}
