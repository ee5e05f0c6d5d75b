using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RideShare.Contracts.Client;
using RideShare.Contracts.Drivers;
using RideShare.Contracts.Http;
using RideShare.Contracts.Trips;
using RideShare.Contracts.Values;
using RideShare.Monolith.Data;
using RideShare.Monolith.Drivers;
using RideShare.Monolith.Http;
using RideShare.Contracts.Pricing;

namespace RideShare.Monolith.Trips;

/// <summary>
/// /api/trips: ride requests and their lifecycle. This is where the monolith is coupled: assigning a trip
/// writes the driver's status in the same transaction, completing it writes the driver's rating.
/// </summary>
public static class TripsApi
{
    private const string Resource = TripRules.Resource;

    public static IEndpointRouteBuilder MapTripsApi(this IEndpointRouteBuilder app)
    {
        var trips = app.MapGroup("/api/trips").WithTags("Trips");
        trips.MapPost("/", RequestTrip);
        trips.MapGet("/", ListTrips);
        trips.MapGet("/{id:long}", GetTrip);
        trips.MapPost("/{id:long}/start", StartTrip);
        trips.MapPost("/{id:long}/complete", CompleteTrip);
        trips.MapPost("/{id:long}/cancel", CancelTrip);
        return app;
    }

    public static async Task<Results<Created<TripResponse>, ValidationProblem, ProblemHttpResult>> RequestTrip(
        TripRequest request, RideShareDbContext db, TimeProvider time, IOptions<PricingOptions> pricing, IOptions<DriverAccessOptions> access,
        GatewayClient gateway, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (TripFields.Validate(request, errors) is not { } fields)
        {
            return errors.ToProblem();
        }

        if (access.Value.Access == DriverAccessMode.Gateway)
        {
            return await GatewayTrips.RequestAsync(fields, db, gateway, time, pricing.Value, response, cancellationToken);
        }

        var passengerId = fields.PassengerId;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await db.Passengers.AnyAsync(p => p.Id == passengerId, cancellationToken))
        {
            return ApiProblems.NotFound("passenger", passengerId);
        }

        if (await db.Trips.AnyAsync(t => t.PassengerId == passengerId && (t.Status == TripStatus.Assigned || t.Status == TripStatus.InProgress), cancellationToken))
        {
            return ActiveTripConflict(passengerId);
        }

        var driver = await DriverMatching.NearestAvailableDriverAsync(db, fields.Pickup, cancellationToken);
        if (driver is null)
        {
            return ApiProblems.Conflict(Reservations.NoDriverAvailable);
        }

        var now = Clock.Now(time);
        driver.Status = DriverStatus.OnTrip;
        driver.UpdatedAt = now;
        driver.Version++;
        var trip = NewTrip(fields, driver.Id, now, pricing.Value);
        db.Trips.Add(trip);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (DatabaseErrors.UniqueViolation(e) == "trips_one_active_per_passenger")
        {
            return ActiveTripConflict(passengerId);
        }

        response.Headers.ETag = ETags.Format(trip.Version);
        return TypedResults.Created($"/api/trips/{trip.Id}", TripMapping.ToResponse(trip));
    }

    public static async Task<Results<Ok<PageResponse<TripResponse>>, ValidationProblem>> ListTrips(
        RideShareDbContext db, long? passengerId, long? driverId, string? status, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var paging = Paging.From(page, pageSize, errors);
        var statusFilter = errors.Status<TripStatus>("status", status);

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var query = db.Trips.AsNoTracking();
        if (passengerId is { } p)
        {
            query = query.Where(t => t.PassengerId == p);
        }

        if (driverId is { } d)
        {
            query = query.Where(t => t.DriverId == d);
        }

        if (statusFilter is { } s)
        {
            query = query.Where(t => t.Status == s);
        }

        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderBy(t => t.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new PageResponse<TripResponse>(items.Select(TripMapping.ToResponse).ToList(), paging.Page, paging.PageSize, total));
    }

    public static async Task<Results<Ok<TripResponse>, ProblemHttpResult>> GetTrip(
        long id, RideShareDbContext db, HttpResponse response, CancellationToken cancellationToken)
    {
        var trip = await db.Trips.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (trip is null)
        {
            return ApiProblems.NotFound(Resource, id);
        }

        response.Headers.ETag = ETags.Format(trip.Version);
        return TypedResults.Ok(TripMapping.ToResponse(trip));
    }

    public static Task<Results<Ok<TripResponse>, ValidationProblem, ProblemHttpResult>> StartTrip(
        long id, RideShareDbContext db, TimeProvider time, HttpRequest http, CancellationToken cancellationToken) =>
        TransitionAsync(id, db, time, http, (trip, _, errors) =>
        {
            if (TripRules.RefuseStart(id, trip.Status) is { } refused)
            {
                return refused;
            }

            trip.Status = TripStatus.InProgress;
            trip.StartedAt = Clock.Now(time);
            return null;
        }, cancellationToken);

    public static async Task<Results<Ok<TripResponse>, ValidationProblem, ProblemHttpResult>> CompleteTrip(
        long id, CompleteTripRequest? request, RideShareDbContext db, TimeProvider time, IOptions<PricingOptions> pricing,
        GatewayClient gateway, HttpRequest http, CancellationToken cancellationToken) =>
        await GatewayTrips.ReservationKeyAsync(db, id, cancellationToken) is { } key
            ? await GatewayTrips.CompleteAsync(id, key, request, db, gateway, time, pricing.Value, http, cancellationToken)
            : await TransitionAsync(id, db, time, http, (trip, driver, errors) =>
        {
            TripRules.ValidateRating(request, errors);
            if (errors.Any)
            {
                return null;
            }

            if (TripRules.RefuseComplete(id, trip.Status) is { } refused)
            {
                return refused;
            }

            var now = Clock.Now(time);
            trip.Status = TripStatus.Completed;
            trip.CompletedAt = now;
            trip.Fare = FareCalculator.Fare(pricing.Value, trip.DistanceKm, now - trip.StartedAt!.Value);
            driver.Status = DriverStatus.Available;
            driver.Latitude = trip.DropoffLatitude;
            driver.Longitude = trip.DropoffLongitude;
            driver.LocationUpdatedAt = now;
            if (request?.Rating is { } rating)
            {
                trip.PassengerRating = (short)rating;
                driver.Rating = FareCalculator.NewRating(driver.Rating, driver.RatingCount, rating);
                driver.RatingCount++;
            }

            return null;
        }, cancellationToken);

    public static async Task<Results<Ok<TripResponse>, ValidationProblem, ProblemHttpResult>> CancelTrip(
        long id, CancelTripRequest? request, RideShareDbContext db, TimeProvider time, GatewayClient gateway, HttpRequest http,
        CancellationToken cancellationToken) =>
        await GatewayTrips.ReservationKeyAsync(db, id, cancellationToken) is { } key
            ? await GatewayTrips.CancelAsync(id, key, request, db, gateway, time, http, cancellationToken)
            : await TransitionAsync(id, db, time, http, (trip, driver, errors) =>
        {
            var reason = errors.OptionalText("reason", request?.Reason, 500);
            if (errors.Any)
            {
                return null;
            }

            if (TripRules.RefuseCancel(id, trip.Status) is { } refused)
            {
                return refused;
            }

            trip.Status = TripStatus.Cancelled;
            trip.CancelledAt = Clock.Now(time);
            trip.CancellationReason = reason;
            driver.Status = DriverStatus.Available;
            return null;
        }, cancellationToken);

    /// <summary>
    /// Loads a trip and its driver, applies one state change to both, and saves them in one transaction;
    /// a concurrent change to either (version check) fails the whole command with 409.
    /// </summary>
    private static async Task<Results<Ok<TripResponse>, ValidationProblem, ProblemHttpResult>> TransitionAsync(
        long id, RideShareDbContext db, TimeProvider time, HttpRequest http,
        Func<Trip, Driver, ValidationErrors, ProblemHttpResult?> change, CancellationToken cancellationToken)
    {
        var trip = await db.Trips.Include(t => t.Driver).FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (trip is null)
        {
            return ApiProblems.NotFound(Resource, id);
        }

        if (!ETags.Matches(http, trip.Version))
        {
            return ApiProblems.PreconditionFailed(Resource, id, trip.Version);
        }

        var driver = trip.Driver!;
        var errors = new ValidationErrors();
        var problem = change(trip, driver, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (problem is not null)
        {
            return problem;
        }

        trip.Version++;
        if (db.Entry(driver).State == EntityState.Modified)
        {
            driver.UpdatedAt = Clock.Now(time);
            driver.Version++;
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken); // one implicit transaction for trip + driver
        }
        catch (DbUpdateConcurrencyException)
        {
            return ApiProblems.ConcurrentChange(Resource, id);
        }

        http.HttpContext.Response.Headers.ETag = ETags.Format(trip.Version);
        return TypedResults.Ok(TripMapping.ToResponse(trip));
    }

    private static ProblemHttpResult ActiveTripConflict(long passengerId) => TripRules.ActiveTripConflict(passengerId);

    internal static Trip NewTrip(TripFields fields, long driverId, DateTimeOffset now, PricingOptions pricing) => new()
    {
        Reference = Guid.NewGuid(),
        PassengerId = fields.PassengerId,
        DriverId = driverId,
        Status = TripStatus.Assigned,
        PickupLatitude = fields.Pickup.Latitude,
        PickupLongitude = fields.Pickup.Longitude,
        PickupAddress = fields.PickupAddress,
        DropoffLatitude = fields.Dropoff.Latitude,
        DropoffLongitude = fields.Dropoff.Longitude,
        DropoffAddress = fields.DropoffAddress,
        Waypoints = [.. fields.Waypoints],
        DistanceKm = FareCalculator.RouteDistanceKm(fields.Pickup, fields.Waypoints, fields.Dropoff),
        Currency = pricing.Currency,
        RequestedAt = now,
        Version = 1,
    };
}
