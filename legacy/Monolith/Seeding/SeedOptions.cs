namespace RideShare.Monolith.Seeding;

/// <summary>Size and randomness of the demo data, bound from the <c>Seed</c> section or the seed command's flags.</summary>
public sealed class SeedOptions
{
    public const string SectionName = "Seed";

    public int Drivers { get; set; } = 1_000;
    public int Passengers { get; set; } = 10_000;
    public int Trips { get; set; } = 50_000;

    /// <summary>Same seed, same data: every run with the same sizes produces identical rows.</summary>
    public int RandomSeed { get; set; } = 42;

    /// <summary>Empty the tables first; without it, seeding a non-empty database is refused.</summary>
    public bool Reset { get; set; }
}
