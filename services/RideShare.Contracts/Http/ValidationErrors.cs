using System.Net.Mail;
using Microsoft.AspNetCore.Http.HttpResults;
using RideShare.Contracts.Values;
using Strangler.Hosting.Http;

namespace RideShare.Contracts.Http;

/// <summary>Collects every invalid field of a request, so one 400 names them all.</summary>
public sealed class ValidationErrors
{
    private readonly FieldErrors _errors = new();

    public bool Any => _errors.Any;

    public void Add(string field, string message) => _errors.Add(field, message);

    public string? RequiredText(string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, $"{field} is required.");
            return null;
        }

        return OptionalText(field, value, maxLength);
    }

    public string? OptionalText(string field, string? value, int maxLength)
    {
        if (value is null)
        {
            return null;
        }

        var trimmed = value.Trim();
        if (trimmed.Length > maxLength)
        {
            Add(field, $"{field} must be at most {maxLength} characters.");
        }

        // PostgreSQL text cannot hold NUL, and no name, email, plate or address holds control characters or
        // half of a surrogate pair: refused here rather than failing in the database.
        if (trimmed.Any(char.IsControl))
        {
            Add(field, $"{field} must not contain control characters (such as NUL, tab or line breaks).");
        }
        else if (!IsWellFormedUtf16(trimmed))
        {
            Add(field, $"{field} is not valid Unicode text (an unpaired surrogate).");
        }

        return trimmed.Length == 0 ? null : trimmed;
    }

    private static bool IsWellFormedUtf16(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    public string? Email(string field, string? value)
    {
        var email = RequiredText(field, value, 254);
        if (email is not null && (!MailAddress.TryCreate(email, out var parsed) || parsed.Address != email || !email.Contains('.', StringComparison.Ordinal)))
        {
            Add(field, $"{field} must be an email address such as name@example.com.");
        }

        return email?.ToLowerInvariant();
    }

    public GeoPoint? Point(string field, GeoPointDto? value, bool required)
    {
        if (value is null)
        {
            if (required)
            {
                Add(field, $"{field} is required.");
            }

            return null;
        }

        var ok = true;
        if (value.Latitude is not { } lat || lat < -90 || lat > 90)
        {
            Add($"{field}.latitude", $"{field}.latitude is required, between -90 and 90.");
            ok = false;
        }

        if (value.Longitude is not { } lng || lng < -180 || lng > 180)
        {
            Add($"{field}.longitude", $"{field}.longitude is required, between -180 and 180.");
            ok = false;
        }

        return ok ? new GeoPoint(value.Latitude!.Value, value.Longitude!.Value).Rounded() : null;
    }

    /// <summary>Parses a snake_case status name; null (and an error naming the choices) when unknown.</summary>
    public TEnum? Status<TEnum>(string field, string? value) where TEnum : struct, Enum
    {
        if (value is null)
        {
            return null;
        }

        if (StatusNames.TryParse<TEnum>(value, out var parsed))
        {
            return parsed;
        }

        Add(field, $"{field} must be one of: {StatusNames.AllNames<TEnum>()}.");
        return null;
    }

    public ValidationProblem ToProblem() =>
        _errors.ToProblem("The request is invalid.", $"Invalid fields: {string.Join(", ", _errors.Fields)}.");
}
