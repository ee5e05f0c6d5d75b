using RideShare.Monolith.Data;

namespace RideShare.Monolith.Passengers;

/// <summary>A passenger as the API returns it (docs/api.md).</summary>
public sealed record PassengerResponse(
    long Id, string FullName, string Email, string? Phone, bool MarketingOptIn,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int Version)
{
    public static PassengerResponse From(Passenger p) =>
        new(p.Id, p.FullName, p.Email, p.Phone, p.MarketingOptIn, p.CreatedAt, p.UpdatedAt, p.Version);
}
