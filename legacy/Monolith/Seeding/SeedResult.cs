namespace RideShare.Monolith.Seeding;

public sealed record SeedResult(int Drivers, int Passengers, int Trips, TimeSpan Elapsed)
{
    public int Rows => Drivers + Passengers + Trips;

    public double RowsPerSecond => Rows / Math.Max(Elapsed.TotalSeconds, 1e-9);
}
