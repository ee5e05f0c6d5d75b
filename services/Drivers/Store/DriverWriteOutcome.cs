namespace RideShare.Drivers.Store;

/// <summary>What the store script did with one write.</summary>
public enum DriverWriteOutcome
{
    DeadLettered = -5,
    LicenceTaken = -4,
    EmailTaken = -3,
    VersionChanged = -2,
    NotFound = -1,
    Stale = 0,
    Applied = 1,
}
