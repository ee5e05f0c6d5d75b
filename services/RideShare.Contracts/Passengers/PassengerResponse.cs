using RideShare.Contracts.Values;

namespace RideShare.Contracts.Passengers;

/// <summary>A passenger as the API returns it (docs/api.md).</summary>
public sealed record PassengerResponse(
    long Id, string FullName, string Email, string? Phone, bool MarketingOptIn,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int Version);
