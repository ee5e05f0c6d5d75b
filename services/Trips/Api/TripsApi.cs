using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using RideShare.Contracts.Drivers;
using RideShare.Contracts.Http;
using RideShare.Contracts.Pricing;
using RideShare.Contracts.Trips;
using RideShare.Contracts.Values;
using RideShare.Contracts.Client;
using RideShare.Trips.Gateway;
using RideShare.Trips.Store;
using Strangler.Cdc.Sync;

namespace RideShare.Trips.Api;

/// <summary>
/// /api/trips on the Trips service's own database: the monolith's contract (docs/api.md). The monolith's shared
/// transaction (driver + trip) is replaced by calls through the gateway to whoever owns drivers: a driver is
/// reserved under a key recorded before the call, the trip is stored with the reservation, then the reservation is
/// confirmed; complete and cancel settle the driver first and change the trip only once that succeeded. Every step
/// can be retried, and recovery resolves what a crash or a failure leaves behind (<see cref="TripRecovery"/>).
/// POST /api/trips honours an <c>Idempotency-Key</c> header: a retry gets the first answer.
/// </summary>
public static class TripsApi
{
    public const string IdempotencyHeader = "Idempotency-Key";
    private const string Resource = TripRules.Resource;
    private const string Resources = "trips";

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

    public static async Task<IResult> RequestTrip(
        TripRequest request, HttpRequest http, TripsDbContext db, GatewayClient gateway, WriteOwnership ownership, TimeProvider time,
        IOptions<PricingOptions> pricing, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        if (ownership.RefuseWrite(Resources) is { } refused)
        {
            return refused;
        }

        var errors = new ValidationErrors();
        var idempotencyKey = http.Headers[IdempotencyHeader].ToString();
        if (idempotencyKey.Length > 0 && !Reservations.IsValidKey(idempotencyKey))
        {
            errors.Add(IdempotencyHeader, $"{IdempotencyHeader} is 1 to {Reservations.MaxKeyLength} letters, digits, '.', '_', ':' or '-'.");
        }

        if (TripFields.Validate(request, errors) is not { } fields || errors.Any)
        {
            return errors.ToProblem();
        }

        var hash = Hash(fields);
        idempotencyKey = idempotencyKey.Length > 0 ? idempotencyKey : $"auto-{Guid.NewGuid():N}";
        if (await db.Requests.AsNoTracking().FirstOrDefaultAsync(r => r.IdempotencyKey == idempotencyKey, cancellationToken) is { } earlier)
        {
            return Replay(earlier, hash, idempotencyKey, http.HttpContext.Response);
        }

        if (await db.Trips.AnyAsync(t => t.PassengerId == fields.PassengerId && (t.Status == TripStatus.Assigned || t.Status == TripStatus.InProgress), cancellationToken))
        {
            return TripRules.ActiveTripConflict(fields.PassengerId);
        }

        var passenger = await gateway.PassengerExistsAsync(fields.PassengerId, cancellationToken);
        if (!passenger.Ok)
        {
            return passenger.Refused ? ApiProblems.Conflict(passenger.Detail!) : passenger.Problem($"passenger {fields.PassengerId} could not be checked");
        }

        if (!passenger.Value)
        {
            return ApiProblems.NotFound("passenger", fields.PassengerId);
        }

        // Recorded before the driver is reserved: whatever happens next, recovery finds the reservation by its key.
        var now = Clock.Now(time);
        var row = new TripRequestRow
        {
            IdempotencyKey = idempotencyKey, RequestHash = hash, ReservationKey = $"trip-{Guid.NewGuid():N}", State = TripRequestStates.Reserving,
            CreatedAt = now, UpdatedAt = now,
        };
        db.Requests.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (IsUniqueViolation(e, "trip_requests_pkey"))
        {
            return StillSettling(idempotencyKey, http.HttpContext.Response);
        }

        var reservation = await gateway.ReserveAsync(row.ReservationKey, fields.Pickup, CancellationToken.None);
        if (!reservation.Ok)
        {
            // Nothing is held when the owner refused; when it did not answer, a driver may be: give it back first.
            if (reservation.Refused || (await gateway.ReleaseAsync(row.ReservationKey, CancellationToken.None)).Ok)
            {
                db.Requests.Remove(row);
                await db.SaveChangesAsync(CancellationToken.None);
            }

            return reservation.Refused ? ApiProblems.Conflict(reservation.Detail!) : reservation.Problem("no driver could be reserved");
        }

        var trip = new TripRow
        {
            Id = await NextIdAsync(db, cancellationToken),
            Reference = Guid.NewGuid(),
            PassengerId = fields.PassengerId,
            DriverId = reservation.Value!.DriverId!.Value,
            Status = TripStatus.Assigned,
            PickupLatitude = fields.Pickup.Latitude,
            PickupLongitude = fields.Pickup.Longitude,
            PickupAddress = fields.PickupAddress,
            DropoffLatitude = fields.Dropoff.Latitude,
            DropoffLongitude = fields.Dropoff.Longitude,
            DropoffAddress = fields.DropoffAddress,
            Waypoints = [.. fields.Waypoints],
            DistanceKm = FareCalculator.RouteDistanceKm(fields.Pickup, fields.Waypoints, fields.Dropoff),
            Currency = pricing.Value.Currency,
            RequestedAt = now,
            Version = 1,
            ReservationKey = row.ReservationKey,
        };
        var response = trip.ToResponse();
        db.Trips.Add(trip);
        row.State = TripRequestStates.Done;
        row.TripId = trip.Id;
        row.StatusCode = StatusCodes.Status201Created;
        row.Response = JsonSerializer.Serialize(response, json.Value.SerializerOptions);
        row.UpdatedAt = now;
        try
        {
            await db.SaveChangesAsync(CancellationToken.None); // the trip and its request's answer together
        }
        catch (DbUpdateConcurrencyException)
        {
            // This request outlived Services:RecoveryAfterSeconds (a slow owner, a stalled database): recovery took it for
            // abandoned, released its driver and forgot it. Nothing was created; the same key can be sent again.
            http.HttpContext.Response.Headers.RetryAfter = "1";
            return TypedResults.Problem(
                $"The trip request took longer than Services:RecoveryAfterSeconds and its driver was released; nothing was created. Retry with the same {IdempotencyHeader}.",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable");
        }
        catch (DbUpdateException e) when (IsUniqueViolation(e, "trips_one_active_per_passenger"))
        {
            db.ChangeTracker.Clear();
            if ((await gateway.ReleaseAsync(row.ReservationKey, CancellationToken.None)).Ok)
            {
                await db.Requests.Where(r => r.IdempotencyKey == idempotencyKey).ExecuteDeleteAsync(CancellationToken.None);
            }

            return TripRules.ActiveTripConflict(fields.PassengerId);
        }

        if ((await gateway.ConfirmAsync(row.ReservationKey, trip.Id, CancellationToken.None)).Ok)
        {
            await db.Requests.Where(r => r.IdempotencyKey == idempotencyKey).ExecuteUpdateAsync(s => s.SetProperty(r => r.Confirmed, true), CancellationToken.None);
        }

        http.HttpContext.Response.Headers.ETag = ETags.Format(trip.Version);
        return TypedResults.Created($"/api/trips/{trip.Id}", response);
    }

    public static async Task<Results<Ok<PageResponse<TripResponse>>, ValidationProblem>> ListTrips(
        TripsDbContext db, long? passengerId, long? driverId, string? status, int? page, int? pageSize, CancellationToken cancellationToken)
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
        return TypedResults.Ok(new PageResponse<TripResponse>(items.Select(t => t.ToResponse()).ToList(), paging.Page, paging.PageSize, total));
    }

    public static async Task<Results<Ok<TripResponse>, ProblemHttpResult>> GetTrip(long id, TripsDbContext db, HttpResponse response, CancellationToken cancellationToken)
    {
        var trip = await db.Trips.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (trip is null)
        {
            return ApiProblems.NotFound(Resource, id);
        }

        response.Headers.ETag = ETags.Format(trip.Version);
        return TypedResults.Ok(trip.ToResponse());
    }

    public static Task<IResult> StartTrip(
        long id, TripsDbContext db, WriteOwnership ownership, TimeProvider time, HttpRequest http, CancellationToken cancellationToken) =>
        TransitionAsync(id, db, ownership, http, (trip, _) =>
        {
            if (TripRules.RefuseStart(id, trip.Status) is { } refused)
            {
                return Task.FromResult<IResult?>(refused);
            }

            trip.Status = TripStatus.InProgress;
            trip.StartedAt = Clock.Now(time);
            return Task.FromResult<IResult?>(null);
        }, cancellationToken);

    public static Task<IResult> CompleteTrip(
        long id, CompleteTripRequest? request, TripsDbContext db, GatewayClient gateway, WriteOwnership ownership, TimeProvider time,
        IOptions<PricingOptions> pricing, HttpRequest http, CancellationToken cancellationToken) =>
        TransitionAsync(id, db, ownership, http, async (trip, errors) =>
        {
            TripRules.ValidateRating(request, errors);
            if (errors.Any)
            {
                return null;
            }

            if ((TripRules.RefuseComplete(id, trip.Status) ?? RefuseWithoutReservation(trip)) is { } refused)
            {
                return refused;
            }

            // The driver is settled first: if that fails, the trip is unchanged and the client can retry.
            var settled = await gateway.CompleteAsync(trip.ReservationKey!, trip.Dropoff, request?.Rating, CancellationToken.None);
            if (!settled.Ok)
            {
                return settled.Refused ? ApiProblems.Conflict(settled.Detail!) : settled.Problem($"trip {id}'s driver could not be freed");
            }

            var now = Clock.Now(time);
            trip.Status = TripStatus.Completed;
            trip.CompletedAt = now;
            trip.Fare = FareCalculator.Fare(pricing.Value, trip.DistanceKm, now - trip.StartedAt!.Value);
            trip.PassengerRating = request?.Rating is { } rating ? (short)rating : null;
            return null;
        }, cancellationToken);

    public static Task<IResult> CancelTrip(
        long id, CancelTripRequest? request, TripsDbContext db, GatewayClient gateway, WriteOwnership ownership, TimeProvider time,
        HttpRequest http, CancellationToken cancellationToken) =>
        TransitionAsync(id, db, ownership, http, async (trip, errors) =>
        {
            var reason = errors.OptionalText("reason", request?.Reason, 500);
            if (errors.Any)
            {
                return null;
            }

            if ((TripRules.RefuseCancel(id, trip.Status) ?? RefuseWithoutReservation(trip)) is { } refused)
            {
                return refused;
            }

            var released = await gateway.ReleaseAsync(trip.ReservationKey!, CancellationToken.None);
            if (!released.Ok)
            {
                return released.Refused ? ApiProblems.Conflict(released.Detail!) : released.Problem($"trip {id}'s driver could not be released");
            }

            trip.Status = TripStatus.Cancelled;
            trip.CancelledAt = Clock.Now(time);
            trip.CancellationReason = reason;
            return null;
        }, cancellationToken);

    /// <summary>Loads the trip, checks If-Match, applies one change (which may call the gateway), and saves it with a version check.</summary>
    private static async Task<IResult> TransitionAsync(
        long id, TripsDbContext db, WriteOwnership ownership, HttpRequest http, Func<TripRow, ValidationErrors, Task<IResult?>> change,
        CancellationToken cancellationToken)
    {
        if (ownership.RefuseWrite(Resources) is { } refused)
        {
            return refused;
        }

        var trip = await db.Trips.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (trip is null)
        {
            return ApiProblems.NotFound(Resource, id);
        }

        if (!ETags.Matches(http, trip.Version))
        {
            return ApiProblems.PreconditionFailed(Resource, id, trip.Version);
        }

        var errors = new ValidationErrors();
        var problem = await change(trip, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (problem is not null)
        {
            return problem;
        }

        trip.Version++;
        try
        {
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (DbUpdateConcurrencyException)
        {
            return ApiProblems.ConcurrentChange(Resource, id);
        }

        http.HttpContext.Response.Headers.ETag = ETags.Format(trip.Version);
        return TypedResults.Ok(trip.ToResponse());
    }

    /// <summary>A trip the monolith assigned has no reservation: its driver is not the Trips service's to free.</summary>
    private static ProblemHttpResult? RefuseWithoutReservation(TripRow trip) => trip.ReservationKey is null
        ? ApiProblems.Conflict($"trip {trip.Id} was assigned by the monolith (it holds no driver reservation): finish it where it was assigned.")
        : null;

    private static IResult Replay(TripRequestRow earlier, string hash, string key, HttpResponse response)
    {
        if (earlier.RequestHash != hash)
        {
            return TypedResults.Problem(
                $"{IdempotencyHeader} '{key}' was used for a different trip request; use a new key for a new request.",
                statusCode: StatusCodes.Status422UnprocessableEntity, title: "Unprocessable Entity");
        }

        if (earlier.State != TripRequestStates.Done)
        {
            return StillSettling(key, response);
        }

        response.Headers.Location = $"/api/trips/{earlier.TripId}";
        using var stored = JsonDocument.Parse(earlier.Response!);
        response.Headers.ETag = ETags.Format(stored.RootElement.GetProperty("version").GetInt32());
        return TypedResults.Text(earlier.Response!, "application/json", Encoding.UTF8, earlier.StatusCode);
    }

    private static ProblemHttpResult StillSettling(string key, HttpResponse response)
    {
        response.Headers.RetryAfter = "1";
        return ApiProblems.Conflict($"a trip request with {IdempotencyHeader} '{key}' is still being settled; retry shortly with the same key.");
    }

    private static string Hash(TripFields fields) =>
        Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(fields)));

    private static async Task<long> NextIdAsync(TripsDbContext db, CancellationToken cancellationToken) =>
        await db.Database.SqlQuery<long>($"SELECT nextval('trip_ids') AS \"Value\"").SingleAsync(cancellationToken);

    private static bool IsUniqueViolation(DbUpdateException e, string constraint) =>
        e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } pg && pg.ConstraintName == constraint;
}

/// <summary>The states of a <see cref="TripRequestRow"/>.</summary>
public static class TripRequestStates
{
    public const string Reserving = "reserving";
    public const string Done = "done";
}
