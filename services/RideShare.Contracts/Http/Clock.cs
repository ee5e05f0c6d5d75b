namespace RideShare.Contracts.Http;

/// <summary>
/// Timestamps at PostgreSQL's precision (microseconds), so a value returned right after a write equals
/// the value read back later.
/// </summary>
public static class Clock
{
    public static DateTimeOffset Now(TimeProvider time)
    {
        var now = time.GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % 10), TimeSpan.Zero);
    }
}
