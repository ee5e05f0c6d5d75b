using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RideShare.Contracts.Drivers;
using RideShare.Contracts.Http;
using RideShare.Contracts.Pricing;
using RideShare.Contracts.Values;
using RideShare.Monolith.Data;
using RideShare.Monolith.Http;

namespace RideShare.Monolith.Drivers;

/// <summary>
/// /api/drivers/reservations: the reservation contract (<see cref="Reservations"/>) on the shared database. Each
/// call is one transaction holding the reservation's row lock, so concurrent calls with one key serialise and the
/// driver and the reservation always change together.
/// </summary>
public static class ReservationsApi
{
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

    public static async Task<Results<Created<ReservationResponse>, Ok<ReservationResponse>, ValidationProblem, ProblemHttpResult>> Reserve(
        string key, ReservationRequest? request, RideShareDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Reservations.RefuseKey(key) is { } badKey)
        {
            return badKey;
        }

        var errors = new ValidationErrors();
        var pickup = Reservations.ValidatePickup(request, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        for (var attempt = 0; ; attempt++)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (await LockAsync(db, key, cancellationToken) is { } existing)
            {
                return existing.State == ReservationState.Released ? Reservations.ReleasedKey(key) : TypedResults.Ok(ToResponse(existing));
            }

            var driver = await DriverMatching.NearestAvailableDriverAsync(db, pickup!, cancellationToken);
            if (driver is null)
            {
                return ApiProblems.Conflict(Reservations.NoDriverAvailable);
            }

            var now = Clock.Now(time);
            driver.Status = DriverStatus.OnTrip;
            driver.UpdatedAt = now;
            driver.Version++;
            var reservation = new DriverReservation { Key = key, DriverId = driver.Id, State = ReservationState.Held, CreatedAt = now, UpdatedAt = now };
            db.DriverReservations.Add(reservation);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return TypedResults.Created($"/api/drivers/reservations/{key}", ToResponse(reservation));
            }
            catch (DbUpdateException e) when (attempt == 0 && DatabaseErrors.UniqueViolation(e) == "driver_reservations_pkey")
            {
                // The same key reserved concurrently: this attempt rolls back, the next one answers with that reservation.
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
            }
        }
    }

    public static async Task<Results<Ok<ReservationResponse>, ValidationProblem, ProblemHttpResult>> GetReservation(
        string key, RideShareDbContext db, CancellationToken cancellationToken)
    {
        if (Reservations.RefuseKey(key) is { } badKey)
        {
            return badKey;
        }

        var reservation = await db.DriverReservations.AsNoTracking().FirstOrDefaultAsync(r => r.Key == key, cancellationToken);
        return reservation is null ? Reservations.NotFound(key) : TypedResults.Ok(ToResponse(reservation));
    }

    public static async Task<Results<Ok<ReservationResponse>, ValidationProblem, ProblemHttpResult>> Confirm(
        string key, ConfirmReservationRequest? request, RideShareDbContext db, TimeProvider time, CancellationToken cancellationToken)
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

        return await TransitionAsync(db, time, key, ReservationState.Confirmed, tripId, createReleased: false, (reservation, _, _) => reservation.TripId = tripId, cancellationToken);
    }

    public static async Task<Results<Ok<ReservationResponse>, ValidationProblem, ProblemHttpResult>> Release(
        string key, RideShareDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Reservations.RefuseKey(key) is { } badKey)
        {
            return badKey;
        }

        return await TransitionAsync(db, time, key, ReservationState.Released, null, createReleased: true, (_, driver, _) =>
        {
            if (driver is { Status: DriverStatus.OnTrip })
            {
                driver.Status = DriverStatus.Available;
            }
        }, cancellationToken);
    }

    public static async Task<Results<Ok<ReservationResponse>, ValidationProblem, ProblemHttpResult>> Complete(
        string key, CompleteReservationRequest? request, RideShareDbContext db, TimeProvider time, CancellationToken cancellationToken)
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

        return await TransitionAsync(db, time, key, ReservationState.Completed, null, createReleased: false, (_, driver, now) =>
        {
            if (driver is null)
            {
                return;
            }

            driver.Status = DriverStatus.Available;
            driver.Latitude = dropoff!.Latitude;
            driver.Longitude = dropoff.Longitude;
            driver.LocationUpdatedAt = now;
            if (rating is { } r)
            {
                driver.Rating = FareCalculator.NewRating(driver.Rating, driver.RatingCount, r);
                driver.RatingCount++;
            }
        }, cancellationToken);
    }

    /// <summary>
    /// Locks the reservation, refuses a transition its state does not allow, answers a repeat with the stored
    /// reservation unchanged, and otherwise applies <paramref name="change"/> to it and its driver in one transaction.
    /// </summary>
    private static async Task<Results<Ok<ReservationResponse>, ValidationProblem, ProblemHttpResult>> TransitionAsync(
        RideShareDbContext db, TimeProvider time, string key, ReservationState target, long? tripId, bool createReleased,
        Action<DriverReservation, Driver?, DateTimeOffset> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var now = Clock.Now(time);
            var reservation = await LockAsync(db, key, cancellationToken);
            if (reservation is null)
            {
                if (!createReleased)
                {
                    return Reservations.NotFound(key);
                }

                // Released before anything was held (the caller gave up on a reserve that may still be in flight):
                // the key is spent, so that reserve, arriving late, takes no driver.
                reservation = new DriverReservation { Key = key, State = ReservationState.Released, CreatedAt = now, UpdatedAt = now };
                db.DriverReservations.Add(reservation);
                try
                {
                    await db.SaveChangesAsync(cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                    return TypedResults.Ok(ToResponse(reservation));
                }
                catch (DbUpdateException e) when (attempt == 0 && DatabaseErrors.UniqueViolation(e) == "driver_reservations_pkey")
                {
                    await transaction.RollbackAsync(cancellationToken);
                    db.ChangeTracker.Clear();
                    continue;
                }
            }

            if (Reservations.Refuse(key, reservation.State, target, reservation.TripId, tripId) is { } refused)
            {
                return refused;
            }

            if (Reservations.IsRepeat(reservation.State, target))
            {
                return TypedResults.Ok(ToResponse(reservation));
            }

            var driver = reservation.DriverId is { } driverId
                ? await db.Drivers.FromSql($"SELECT * FROM drivers WHERE id = {driverId} FOR UPDATE").FirstOrDefaultAsync(cancellationToken)
                : null;
            var before = driver is null ? default : (driver.Status, driver.Latitude, driver.Longitude, driver.Rating, driver.RatingCount);
            change(reservation, driver, now);
            reservation.State = target;
            reservation.UpdatedAt = now;
            if (driver is not null && before != (driver.Status, driver.Latitude, driver.Longitude, driver.Rating, driver.RatingCount))
            {
                driver.UpdatedAt = now;
                driver.Version++;
            }

            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return TypedResults.Ok(ToResponse(reservation));
        }
    }

    private static Task<DriverReservation?> LockAsync(RideShareDbContext db, string key, CancellationToken cancellationToken) =>
        db.DriverReservations.FromSql($"SELECT * FROM driver_reservations WHERE key = {key} FOR UPDATE").FirstOrDefaultAsync(cancellationToken);

    private static ReservationResponse ToResponse(DriverReservation r) =>
        new(r.Key, r.DriverId, StatusNames.ToName(r.State), r.TripId, r.CreatedAt, r.UpdatedAt);
}
