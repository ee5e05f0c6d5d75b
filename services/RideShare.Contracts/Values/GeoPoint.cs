namespace RideShare.Contracts.Values;

/// <summary>A WGS84 position; stored and returned with 6 decimals (about 10 cm).</summary>
public sealed record GeoPoint(decimal Latitude, decimal Longitude)
{
    public GeoPoint Rounded() => new(Decimals.Fixed(Latitude, 6), Decimals.Fixed(Longitude, 6));
}
