namespace RideShare.Passengers.Store;

/// <summary>What the store did with one API write.</summary>
public enum PassengerWriteOutcome
{
    Applied,
    NotFound,
    VersionChanged,
    EmailTaken,
}
