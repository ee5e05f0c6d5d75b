namespace RideShare.Monolith.Seeding;

/// <summary>Seeding would overwrite or mix with existing data, or the sizes are invalid.</summary>
public sealed class SeedRefusedException(string message) : Exception(message);
