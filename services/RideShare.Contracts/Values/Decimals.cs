namespace RideShare.Contracts.Values;

/// <summary>
/// Decimals at the scale of their column (coordinates 6, distance 3, money and ratings 2), so the API
/// writes 38.700000 whether the value came from a request, the database or a jsonb document.
/// </summary>
public static class Decimals
{
    public static decimal Fixed(decimal value, int scale) =>
        Math.Round(value, scale, MidpointRounding.AwayFromZero) + new decimal(0, 0, 0, false, (byte)scale);

    public static decimal? Fixed(decimal? value, int scale) => value is { } v ? Fixed(v, scale) : null;
}
