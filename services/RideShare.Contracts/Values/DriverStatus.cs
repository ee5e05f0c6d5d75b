namespace RideShare.Contracts.Values;

/// <summary>A driver's availability; stored as text ('offline', 'available', 'on_trip').</summary>
public enum DriverStatus
{
    Offline,
    Available,
    OnTrip,
}
