namespace RideShare.Monolith.Data;

/// <summary>A WGS84 position; stored with 6 decimals (about 10 cm).</summary>
public sealed record GeoPoint(decimal Latitude, decimal Longitude)
{
    public GeoPoint Rounded() => new(Math.Round(Latitude, 6, MidpointRounding.AwayFromZero), Math.Round(Longitude, 6, MidpointRounding.AwayFromZero));
}
