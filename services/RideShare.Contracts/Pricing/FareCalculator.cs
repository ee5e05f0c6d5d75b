using RideShare.Contracts.Values;

namespace RideShare.Contracts.Pricing;

/// <summary>Route distance and fares, in decimal arithmetic (money is never floating point).</summary>
public static class FareCalculator
{
    private const double EarthRadiusKm = 6371.0088;

    /// <summary>Great-circle length of pickup → waypoints → dropoff, in km with 3 decimals.</summary>
    public static decimal RouteDistanceKm(GeoPoint pickup, IReadOnlyList<GeoPoint> waypoints, GeoPoint dropoff)
    {
        var total = 0.0;
        var from = pickup;
        foreach (var to in waypoints.Append(dropoff))
        {
            total += HaversineKm(from, to);
            from = to;
        }

        return Math.Round((decimal)total, 3, MidpointRounding.AwayFromZero);
    }

    /// <summary>base + per-km × distance + per-minute × ride time, rounded to cents, at least the minimum.</summary>
    public static decimal Fare(PricingOptions tariff, decimal distanceKm, TimeSpan rideTime)
    {
        var minutes = (decimal)Math.Max(0, rideTime.TotalMinutes);
        var fare = tariff.BaseFare + (tariff.PerKm * distanceKm) + (tariff.PerMinute * minutes);
        return Math.Max(tariff.MinimumFare, Math.Round(fare, 2, MidpointRounding.AwayFromZero));
    }

    /// <summary>The driver's new average after one more rating, rounded to 2 decimals.</summary>
    public static decimal NewRating(decimal? current, int count, int rating) =>
        Math.Round((((current ?? 0) * count) + rating) / (count + 1), 2, MidpointRounding.AwayFromZero);

    private static double HaversineKm(GeoPoint a, GeoPoint b)
    {
        static double Rad(decimal deg) => (double)deg * Math.PI / 180;
        var dLat = Rad(b.Latitude - a.Latitude);
        var dLng = Rad(b.Longitude - a.Longitude);
        var h = Math.Pow(Math.Sin(dLat / 2), 2) + (Math.Cos(Rad(a.Latitude)) * Math.Cos(Rad(b.Latitude)) * Math.Pow(Math.Sin(dLng / 2), 2));
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }
}
