using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using RideShare.Contracts.Client;
using RideShare.Contracts.Drivers;
using RideShare.Contracts.Http;
using RideShare.Contracts.Pricing;
using RideShare.Contracts.Trips;
using RideShare.Contracts.Values;
using RideShare.Monolith.Data;
using RideShare.Monolith.Http;

namespace RideShare.Monolith.Trips;

/// <summary>
/// The monolith's trips with drivers reached through their owner's API at the proxy (<c>Drivers:Access=Gateway</c>):
/// the same flow as the Trips service (docs/services.md, "Trips: cutting the shared transaction") on the monolith's
/// tables, so the monolith never writes a drivers row it may no longer own. A reservation key is logged
/// (<c>trip_reservation_requests</c>) before the reserve call; the trip and the log's removal commit together; a
/// failed or timed-out reserve is released; complete and cancel settle the driver first. <see cref="GatewayTripRecovery"/>
/// releases what a crash left.
/// </summary>
internal static class GatewayTrips
{
    /// <summary>How long a trip insert waits for a driver the owner created to reach legacy (the reverse sync) before giving up.</summary>
    private static readonly TimeSpan DriverArrival = TimeSpan.FromSeconds(3);

    public static async Task<string?> ReservationKeyAsync(RideShareDbContext db, long id, CancellationToken cancellationToken) =>
        await db.Trips.AsNoTracking().Where(t => t.Id == id).Select(t => t.ReservationKey).FirstOrDefaultAsync(cancellationToken);

    public static async Task<Results<Created<TripResponse>, ValidationProblem, ProblemHttpResult>> RequestAsync(
        TripFields fields, RideShareDbContext db, GatewayClient gateway, TimeProvider time, PricingOptions pricing, HttpResponse response,
        CancellationToken cancellationToken)
    {
        if (!await db.Passengers.AnyAsync(p => p.Id == fields.PassengerId, cancellationToken))
        {
            return ApiProblems.NotFound("passenger", fields.PassengerId);
        }

        if (await db.Trips.AnyAsync(t => t.PassengerId == fields.PassengerId && (t.Status == TripStatus.Assigned || t.Status == TripStatus.InProgress), cancellationToken))
        {
            return TripRules.ActiveTripConflict(fields.PassengerId);
        }

        var key = $"monolith-trip-{Guid.NewGuid():N}";
        await db.Database.ExecuteSqlAsync($"INSERT INTO trip_reservation_requests (reservation_key) VALUES ({key})", cancellationToken);
        var reservation = await gateway.ReserveAsync(key, fields.Pickup, CancellationToken.None);
        if (!reservation.Ok)
        {
            await GiveBackAsync(db, gateway, key, released: reservation.Refused);
            return reservation.Refused ? ApiProblems.Conflict(reservation.Detail!) : reservation.Problem("no driver could be reserved");
        }

        var trip = TripsApi.NewTrip(fields, reservation.Value!.DriverId!.Value, Clock.Now(time), pricing);
        trip.ReservationKey = key;
        var deadline = time.GetUtcNow() + DriverArrival;
        while (true)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
            try
            {
                // Claim the logged key first (its row stays locked until commit): if recovery already took this request for
                // abandoned — it claims the same row before releasing the driver — nothing is created.
                if (await db.Database.ExecuteSqlAsync($"DELETE FROM trip_reservation_requests WHERE reservation_key = {key}", CancellationToken.None) == 0)
                {
                    await transaction.RollbackAsync(CancellationToken.None);
                    response.Headers.RetryAfter = "1";
                    return TypedResults.Problem(
                        "The trip request took longer than Drivers:RecoveryAfterSeconds and its driver was released; nothing was created. Retry.",
                        statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable");
                }

                db.Trips.Add(trip);
                await db.SaveChangesAsync(CancellationToken.None);
                await transaction.CommitAsync(CancellationToken.None);
                break;
            }
            catch (DbUpdateException e) when (DatabaseErrors.UniqueViolation(e) == "trips_one_active_per_passenger")
            {
                await transaction.RollbackAsync(CancellationToken.None);
                db.ChangeTracker.Clear();
                await GiveBackAsync(db, gateway, key, released: false);
                return TripRules.ActiveTripConflict(fields.PassengerId);
            }
            catch (DbUpdateException e) when (DatabaseErrors.ForeignKeyViolation(e) == "trips_driver_id_fkey"
                                              || DatabaseErrors.UniqueViolation(e) == "trips_one_active_per_driver")
            {
                // The owner gave a driver legacy does not hold yet (its reverse sync is behind), or one whose previous trip
                // is being completed or cancelled right now (that trip frees its driver through the owner before it saves
                // its own final state): legacy's constraints are respected by waiting, within a bound.
                await transaction.RollbackAsync(CancellationToken.None);
                db.ChangeTracker.Clear();
                if (time.GetUtcNow() > deadline)
                {
                    await GiveBackAsync(db, gateway, key, released: false);
                    return TypedResults.Problem(
                        $"driver {trip.DriverId} was reserved but the monolith's database does not hold it free yet (not there, or still on its previous trip); nothing was kept. Retry.",
                        statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(20), time, CancellationToken.None);
            }
        }

        await gateway.ConfirmAsync(key, trip.Id, CancellationToken.None); // a failure leaves the driver held, which is what a trip needs
        response.Headers.ETag = ETags.Format(trip.Version);
        return TypedResults.Created($"/api/trips/{trip.Id}", TripMapping.ToResponse(trip));
    }

    public static Task<Results<Ok<TripResponse>, ValidationProblem, ProblemHttpResult>> CompleteAsync(
        long id, string key, CompleteTripRequest? request, RideShareDbContext db, GatewayClient gateway, TimeProvider time, PricingOptions pricing,
        HttpRequest http, CancellationToken cancellationToken) =>
        TransitionAsync(id, db, http, async (trip, errors) =>
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

            var settled = await gateway.CompleteAsync(key, trip.Dropoff, request?.Rating, CancellationToken.None);
            if (!settled.Ok)
            {
                return settled.Refused ? ApiProblems.Conflict(settled.Detail!) : settled.Problem($"trip {id}'s driver could not be freed");
            }

            var now = Clock.Now(time);
            trip.Status = TripStatus.Completed;
            trip.CompletedAt = now;
            trip.Fare = FareCalculator.Fare(pricing, trip.DistanceKm, now - trip.StartedAt!.Value);
            trip.PassengerRating = request?.Rating is { } rating ? (short)rating : null;
            return null;
        }, cancellationToken);

    public static Task<Results<Ok<TripResponse>, ValidationProblem, ProblemHttpResult>> CancelAsync(
        long id, string key, CancelTripRequest? request, RideShareDbContext db, GatewayClient gateway, TimeProvider time, HttpRequest http,
        CancellationToken cancellationToken) =>
        TransitionAsync(id, db, http, async (trip, errors) =>
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

            var released = await gateway.ReleaseAsync(key, CancellationToken.None);
            if (!released.Ok)
            {
                return released.Refused ? ApiProblems.Conflict(released.Detail!) : released.Problem($"trip {id}'s driver could not be released");
            }

            trip.Status = TripStatus.Cancelled;
            trip.CancelledAt = Clock.Now(time);
            trip.CancellationReason = reason;
            return null;
        }, cancellationToken);

    /// <summary>Releases the key (unless the owner refused the reserve: nothing is held) and forgets it once released.</summary>
    private static async Task GiveBackAsync(RideShareDbContext db, GatewayClient gateway, string key, bool released)
    {
        if (released || (await gateway.ReleaseAsync(key, CancellationToken.None)).Ok)
        {
            await db.Database.ExecuteSqlAsync($"DELETE FROM trip_reservation_requests WHERE reservation_key = {key}", CancellationToken.None);
        }
    }

    private static async Task<Results<Ok<TripResponse>, ValidationProblem, ProblemHttpResult>> TransitionAsync(
        long id, RideShareDbContext db, HttpRequest http, Func<Trip, ValidationErrors, Task<ProblemHttpResult?>> change, CancellationToken cancellationToken)
    {
        var trip = await db.Trips.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (trip is null)
        {
            return ApiProblems.NotFound(TripRules.Resource, id);
        }

        if (!ETags.Matches(http, trip.Version))
        {
            return ApiProblems.PreconditionFailed(TripRules.Resource, id, trip.Version);
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
            return ApiProblems.ConcurrentChange(TripRules.Resource, id);
        }

        http.HttpContext.Response.Headers.ETag = ETags.Format(trip.Version);
        return TypedResults.Ok(TripMapping.ToResponse(trip));
    }
}

/// <summary>
/// Releases the reservations a crash left between "driver reserved" and "trip stored" (the monolith with
/// <c>Drivers:Access=Gateway</c>): a logged key older than <c>Drivers:RecoveryAfterSeconds</c> has no trip (the trip
/// and the log's removal commit together), so it is released and forgotten.
/// </summary>
public sealed class GatewayTripRecovery(NpgsqlDataSource dataSource, GatewayClient gateway, Microsoft.Extensions.Options.IOptions<DriverAccessOptions> options,
    ILogger<GatewayTripRecovery> logger) : BackgroundService
{
    /// <summary>One pass; <paramref name="minimumAge"/> overrides how old a logged key must be (tests resolve at once).</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken, TimeSpan? minimumAge = null)
    {
        var keys = new List<string>();
        await using (var select = dataSource.CreateCommand(
            "SELECT reservation_key FROM trip_reservation_requests WHERE created_at < now() - make_interval(secs => $1) ORDER BY created_at LIMIT 100"))
        {
            select.Parameters.Add(new NpgsqlParameter { Value = (minimumAge ?? TimeSpan.FromSeconds(options.Value.RecoveryAfterSeconds)).TotalSeconds });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                keys.Add(reader.GetString(0));
            }
        }

        var resolved = 0;
        foreach (var key in keys)
        {
            // Claim the key before releasing its driver, and keep it locked until it is gone: a request storing its trip
            // right now holds the row (skipped here), and one that gets there after this claim finds it gone and stores
            // nothing. Releasing first once let a slow request store its trip after its driver was freed.
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var claim = new NpgsqlCommand("SELECT 1 FROM trip_reservation_requests WHERE reservation_key = $1 FOR UPDATE SKIP LOCKED", connection, transaction))
            {
                claim.Parameters.Add(new NpgsqlParameter { Value = key });
                if (await claim.ExecuteScalarAsync(cancellationToken) is null)
                {
                    continue;
                }
            }

            var released = await gateway.ReleaseAsync(key, cancellationToken);
            if (released.Ok || released.RefusedStatus == StatusCodes.Status409Conflict)
            {
                await using var delete = new NpgsqlCommand("DELETE FROM trip_reservation_requests WHERE reservation_key = $1", connection, transaction);
                delete.Parameters.Add(new NpgsqlParameter { Value = key });
                await delete.ExecuteNonQueryAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                logger.LogWarning("Recovery: reservation {Key} had no trip; released", key);
                resolved++;
            }
        }

        return resolved;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Access != DriverAccessMode.Gateway)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.RecoveryIntervalSeconds));
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Trip reservation recovery failed; the next pass retries");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
