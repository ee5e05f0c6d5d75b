using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using RideShare.Contracts.Client;
using RideShare.Trips.Gateway;
using RideShare.Trips.Store;
using Strangler.Cdc.Sync;

namespace RideShare.Trips.Api;

/// <summary>
/// Resolves what a crash or a failed call left between "driver reserved" and "trip stored": at start-up and then
/// every <c>Services:RecoveryIntervalSeconds</c>, a trip request still reserving after
/// <c>Services:RecoveryAfterSeconds</c> has no trip (the trip and the request's answer commit together), so its
/// reservation is released and the request forgotten (a retry starts afresh); a stored trip whose reservation
/// was not confirmed is confirmed. Every call is idempotent, so running this twice, or beside a request, is safe.
/// Runs only while the service owns trips.
/// </summary>
public sealed class TripRecovery(
    IServiceScopeFactory scopes, GatewayClient gateway, WriteOwnership ownership, IOptions<GatewayOptions> options, TimeProvider time,
    ILogger<TripRecovery> logger) : BackgroundService
{
    /// <summary>
    /// Runs one pass; returns how many requests were resolved. <paramref name="minimumAge"/> overrides how old a
    /// request still reserving must be (tests resolve at once).
    /// </summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken, TimeSpan? minimumAge = null)
    {
        if (!ownership.ServiceOwnsWrites)
        {
            return 0;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TripsDbContext>();
        var before = time.GetUtcNow() - (minimumAge ?? TimeSpan.FromSeconds(options.Value.RecoveryAfterSeconds));
        var resolved = 0;
        var stuck = await db.Requests.AsNoTracking()
            .Where(r => r.State == TripRequestStates.Reserving && r.UpdatedAt < before).OrderBy(r => r.UpdatedAt).Take(100).ToListAsync(cancellationToken);
        foreach (var request in stuck)
        {
            // Claim the request first, in a transaction that keeps its row locked until it is gone: a request still
            // running (its final save holds the row) is skipped, and one that reaches its final save after this claim
            // finds its row gone and creates nothing (503, retry). Releasing before claiming once let a slow request
            // commit its trip after recovery had freed its driver.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await using (var claim = db.Database.GetDbConnection().CreateCommand())
            {
                claim.Transaction = transaction.GetDbTransaction();
                claim.CommandText = "SELECT 1 FROM trip_requests WHERE idempotency_key = @key AND state = 'reserving' FOR UPDATE SKIP LOCKED";
                var key = claim.CreateParameter();
                key.ParameterName = "key";
                key.Value = request.IdempotencyKey;
                claim.Parameters.Add(key);
                if (await claim.ExecuteScalarAsync(cancellationToken) is null)
                {
                    continue; // being finished by its request right now, or already done
                }
            }

            var released = await gateway.ReleaseAsync(request.ReservationKey, cancellationToken);
            if (released.Ok || released.RefusedStatus == StatusCodes.Status409Conflict)
            {
                // 409: completed — impossible without a trip; the reservation is not ours to hold any more either way.
                await db.Requests.Where(r => r.IdempotencyKey == request.IdempotencyKey && r.State == TripRequestStates.Reserving).ExecuteDeleteAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                logger.LogWarning("Recovery: trip request {Key} had reserved no trip; its reservation {Reservation} was released", request.IdempotencyKey, request.ReservationKey);
                resolved++;
            }
            else
            {
                logger.LogWarning("Recovery: could not release reservation {Reservation} yet: {Detail}", request.ReservationKey, released.Detail);
            }
        }

        var unconfirmed = await db.Requests.AsNoTracking()
            .Where(r => r.State == TripRequestStates.Done && !r.Confirmed && r.TripId != null).OrderBy(r => r.UpdatedAt).Take(100).ToListAsync(cancellationToken);
        foreach (var request in unconfirmed)
        {
            var confirmed = await gateway.ConfirmAsync(request.ReservationKey, request.TripId!.Value, cancellationToken);
            if (confirmed.Ok || confirmed.RefusedStatus == StatusCodes.Status409Conflict)
            {
                // 409: released or completed since (the trip was cancelled or finished): nothing left to confirm.
                await db.Requests.Where(r => r.IdempotencyKey == request.IdempotencyKey).ExecuteUpdateAsync(s => s.SetProperty(r => r.Confirmed, true), cancellationToken);
                resolved++;
            }
        }

        return resolved;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.RecoveryIntervalSeconds), time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Recovery pass failed; the next one retries");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
