namespace RideShare.Contracts.Http;

/// <summary>A position as sent by clients; fields are nullable so a missing one is reported by name.</summary>
public sealed record GeoPointDto(decimal? Latitude, decimal? Longitude);
