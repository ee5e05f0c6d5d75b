using RideShare.Contracts.Values;
using RideShare.Monolith.Data;
using RideShare.Contracts.Pricing;

namespace RideShare.Monolith.Tests.Pricing;

/// <summary>Fares, distances and ratings worked out by hand with the default tariff (2.50 + 1.15/km + 0.25/min, at least 5.00).</summary>
public sealed class FareCalculatorTests
{
    private static readonly PricingOptions Tariff = new();

    [Theory]
    [InlineData("10.000", 720, "17.00")]   // 2.50 + 11.50 + 3.00
    [InlineData("2.345", 450, "7.07")]     // 2.50 + 2.69675 + 1.875 = 7.07175
    [InlineData("3.000", 66, "6.23")]      // 2.50 + 3.45 + 0.275 = 6.225: half away from zero, not to even (6.22)
    [InlineData("0.000", 3600, "17.50")]   // the per-minute term alone: 2.50 + 15.00
    [InlineData("0.500", 60, "5.00")]      // 3.325 is below the minimum fare
    [InlineData("2.000", 48, "5.00")]      // exactly the minimum: 2.50 + 2.30 + 0.20
    [InlineData("2.010", 48, "5.01")]      // just above it: 5.0115
    [InlineData("4.000", -30, "7.10")]     // a negative ride time counts as none: 2.50 + 4.60
    public void Fare_HandWorked(string distanceKm, int rideSeconds, string expected) =>
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            FareCalculator.Fare(Tariff, decimal.Parse(distanceKm, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromSeconds(rideSeconds)));

    [Fact]
    public void Fare_OtherTariff_UsesItsTerms() =>
        Assert.Equal(13.00m, FareCalculator.Fare(new PricingOptions { BaseFare = 1m, PerKm = 2m, PerMinute = 0.5m, MinimumFare = 0m }, 5m, TimeSpan.FromMinutes(4)));

    [Fact]
    public void RouteDistance_OneDegreeOfLatitude_Is111Point195Km() =>
        Assert.Equal(111.195m, FareCalculator.RouteDistanceKm(new GeoPoint(0m, 0m), [], new GeoPoint(1m, 0m)));

    [Fact]
    public void RouteDistance_TheReadmesRide_Is2Point989Km() =>
        Assert.Equal(2.989m, FareCalculator.RouteDistanceKm(new GeoPoint(38.7101m, -9.1401m), [], new GeoPoint(38.7369m, -9.1427m)));

    [Fact]
    public void RouteDistance_ThroughAWaypoint_AddsBothLegs() =>
        Assert.Equal(3.585m, FareCalculator.RouteDistanceKm(new GeoPoint(38.7101m, -9.1401m), [new GeoPoint(38.72m, -9.13m)], new GeoPoint(38.7369m, -9.1427m)));

    [Theory]
    [InlineData(null, 0, 4, "4.00")]
    [InlineData("4.50", 3, 5, "4.63")]  // 18.5 / 4 = 4.625, half away from zero
    [InlineData("5.00", 1, 1, "3.00")]
    [InlineData("3.33", 3, 3, "3.25")]  // (9.99 + 3) / 4 = 3.2475
    public void NewRating_HandWorked(string? current, int count, int rating, string expected) =>
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            FareCalculator.NewRating(current is null ? null : decimal.Parse(current, System.Globalization.CultureInfo.InvariantCulture), count, rating));
}
