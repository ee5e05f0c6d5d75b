using RideShare.Contracts.Values;
namespace RideShare.Monolith.Data;

public sealed class Driver : IVersioned
{
    public long Id { get; set; }
    public required string FullName { get; set; }
    public required string Email { get; set; }
    public string? Phone { get; set; }
    public required string LicenceNumber { get; set; }
    public DateOnly LicenceExpiresOn { get; set; }
    public required string VehicleMake { get; set; }
    public required string VehicleModel { get; set; }
    public required string VehiclePlate { get; set; }
    public DriverStatus Status { get; set; }
    public decimal? Latitude { get; set; }
    public decimal? Longitude { get; set; }
    public DateTimeOffset? LocationUpdatedAt { get; set; }

    /// <summary>Average passenger rating, 1.00–5.00; null until the first rated trip.</summary>
    public decimal? Rating { get; set; }
    public int RatingCount { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Optimistic-concurrency version, bumped by every change (the ETag).</summary>
    public int Version { get; set; }
}
