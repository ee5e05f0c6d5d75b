using RideShare.Contracts.Drivers;

namespace RideShare.Monolith.Data;

/// <summary>A row of <c>driver_reservations</c> (see <see cref="Reservations"/>).</summary>
public sealed class DriverReservation
{
    public required string Key { get; set; }
    public long? DriverId { get; set; }
    public ReservationState State { get; set; }
    public long? TripId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
