namespace RideShare.Contracts.Passengers;

/// <summary>Body of POST /api/passengers and PUT /api/passengers/{id}.</summary>
public sealed record PassengerRequest(string? FullName, string? Email, string? Phone, bool? MarketingOptIn);
