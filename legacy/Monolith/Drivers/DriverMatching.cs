using Microsoft.EntityFrameworkCore;
using RideShare.Contracts.Values;
using RideShare.Monolith.Data;

namespace RideShare.Monolith.Drivers;

/// <summary>Matching a pickup to a driver, shared by the monolith's own trips and by driver reservations.</summary>
internal static class DriverMatching
{
    /// <summary>
    /// The closest available driver to <paramref name="pickup"/>, row-locked for this transaction. SKIP LOCKED
    /// lets concurrent requests each take a different driver instead of queueing on the same one; a locked
    /// row re-checks status after the lock, so no driver is ever assigned twice.
    /// </summary>
    public static async Task<Driver?> NearestAvailableDriverAsync(RideShareDbContext db, GeoPoint pickup, CancellationToken cancellationToken)
    {
        var lat = (double)pickup.Latitude;
        var lng = (double)pickup.Longitude;
        var candidates = await db.Drivers.FromSql($"""
            SELECT * FROM drivers
            WHERE status = 'available'
            ORDER BY power((latitude::float8 - {lat}), 2) + power((longitude::float8 - {lng}) * cos(radians({lat})), 2), id
            LIMIT 1
            FOR UPDATE SKIP LOCKED
            """).ToListAsync(cancellationToken);
        return candidates.FirstOrDefault();
    }
}
