namespace RideShare.Contracts.Values;

/// <summary>A trip's lifecycle; stored as text ('assigned', 'in_progress', 'completed', 'cancelled').</summary>
public enum TripStatus
{
    Assigned,
    InProgress,
    Completed,
    Cancelled,
}
