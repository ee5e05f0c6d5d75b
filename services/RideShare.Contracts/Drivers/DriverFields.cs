using RideShare.Contracts.Http;

namespace RideShare.Contracts.Drivers;

/// <summary>The validated, normalised fields of a <see cref="DriverRequest"/>.</summary>
public sealed record DriverFields(
    string FullName, string Email, string? Phone, string LicenceNumber, DateOnly LicenceExpiresOn,
    string VehicleMake, string VehicleModel, string VehiclePlate)
{
    public static DriverFields? Validate(DriverRequest request, DateOnly today, ValidationErrors errors)
    {
        var fullName = errors.RequiredText("fullName", request.FullName, 200);
        var email = errors.Email("email", request.Email);
        var phone = errors.OptionalText("phone", request.Phone, 32);
        var licence = errors.RequiredText("licenceNumber", request.LicenceNumber, 20)?.ToUpperInvariant();
        if (licence is not null && (licence.Length < 5 || !licence.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')))
        {
            errors.Add("licenceNumber", "licenceNumber must be 5 to 20 letters, digits or hyphens.");
        }

        if (request.LicenceExpiresOn is null)
        {
            errors.Add("licenceExpiresOn", "licenceExpiresOn is required (YYYY-MM-DD).");
        }
        else if (request.LicenceExpiresOn <= today)
        {
            errors.Add("licenceExpiresOn", "licenceExpiresOn must be in the future: an expired licence cannot drive.");
        }

        string? make = null, model = null, plate = null;
        if (request.Vehicle is null)
        {
            errors.Add("vehicle", "vehicle is required.");
        }
        else
        {
            make = errors.RequiredText("vehicle.make", request.Vehicle.Make, 50);
            model = errors.RequiredText("vehicle.model", request.Vehicle.Model, 50);
            plate = errors.RequiredText("vehicle.plate", request.Vehicle.Plate, 15)?.ToUpperInvariant();
        }

        return errors.Any
            ? null
            : new DriverFields(fullName!, email!, phone, licence!, request.LicenceExpiresOn!.Value, make!, model!, plate!);
    }
}
