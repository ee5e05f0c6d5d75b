using RideShare.Contracts.Passengers;
using RideShare.Monolith.Data;

namespace RideShare.Monolith.Passengers;

/// <summary>The monolith's passenger row as the contract's response.</summary>
internal static class PassengerMapping
{
    public static PassengerResponse ToResponse(Passenger p) =>
        new(p.Id, p.FullName, p.Email, p.Phone, p.MarketingOptIn, p.CreatedAt, p.UpdatedAt, p.Version);
}
