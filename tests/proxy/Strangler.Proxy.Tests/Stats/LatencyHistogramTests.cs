using Strangler.Proxy.Stats;

namespace Strangler.Proxy.Tests.Stats;

/// <summary>The stats' latency histogram: percentiles within its stated 12.5% relative error, from microseconds to minutes.</summary>
public sealed class LatencyHistogramTests
{
    [Fact]
    public void Empty_ReportsZero() => Assert.Equal(0, new LatencyHistogram().Percentile(0.99));

    [Theory]
    [InlineData(0.003)]   // 3 µs: below the first power of two, exact buckets
    [InlineData(0.5)]
    [InlineData(12.3)]
    [InlineData(950)]
    [InlineData(120_000)] // two minutes
    public void OneValue_IsReportedWithinTheStatedError(double milliseconds)
    {
        var histogram = new LatencyHistogram();
        histogram.Record(TimeSpan.FromMilliseconds(milliseconds));
        var reported = histogram.Percentile(0.5);
        Assert.InRange(reported, milliseconds, Math.Max(milliseconds * 1.125, 0.001 + milliseconds));
    }

    [Fact]
    public void Percentiles_OfAKnownDistribution()
    {
        var histogram = new LatencyHistogram();
        for (var ms = 1; ms <= 1000; ms++)
        {
            histogram.Record(TimeSpan.FromMilliseconds(ms));
        }

        Assert.Equal(1000, histogram.Count);
        Assert.InRange(histogram.Percentile(0.5), 500, 500 * 1.125);
        Assert.InRange(histogram.Percentile(0.99), 990, 990 * 1.125);
        Assert.InRange(histogram.Percentile(1.0), 1000, 1000 * 1.125);
    }

    [Fact]
    public void ConcurrentRecords_AreAllCounted()
    {
        var histogram = new LatencyHistogram();
        Parallel.For(0, 100_000, i => histogram.Record(TimeSpan.FromTicks(10 * (1 + (i % 5000)))));
        Assert.Equal(100_000, histogram.Count);
    }
}
