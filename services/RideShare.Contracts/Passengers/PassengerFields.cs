using RideShare.Contracts.Http;

namespace RideShare.Contracts.Passengers;

/// <summary>The validated, normalised fields of a <see cref="PassengerRequest"/>.</summary>
public sealed record PassengerFields(string FullName, string Email, string? Phone, bool MarketingOptIn)
{
    public static PassengerFields? Validate(PassengerRequest request, ValidationErrors errors)
    {
        var fullName = errors.RequiredText("fullName", request.FullName, 200);
        var email = errors.Email("email", request.Email);
        var phone = errors.OptionalText("phone", request.Phone, 32);
        return errors.Any ? null : new PassengerFields(fullName!, email!, phone, request.MarketingOptIn ?? false);
    }
}
