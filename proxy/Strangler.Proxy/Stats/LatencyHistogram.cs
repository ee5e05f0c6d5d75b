using System.Numerics;

namespace Strangler.Proxy.Stats;

/// <summary>
/// Lock-free log-linear latency histogram (microseconds, 8 sub-buckets per power of two: at most 12.5%
/// relative error), for p50/p95/p99 without keeping samples.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBuckets = 8;
    private const int Powers = 40;
    private readonly long[] _counts = new long[Powers * SubBuckets];
    private long _total;

    public long Count => Interlocked.Read(ref _total);

    public void Record(TimeSpan elapsed)
    {
        var micros = (ulong)Math.Max(1, elapsed.Ticks / 10);
        Interlocked.Increment(ref _counts[Index(micros)]);
        Interlocked.Increment(ref _total);
    }

    /// <summary>The value below which <paramref name="quantile"/> of recorded latencies fall, in milliseconds.</summary>
    public double Percentile(double quantile) => Percentile(Snapshot(), quantile);

    /// <summary>A copy of the bucket counts: two snapshots' difference is the histogram of what was recorded between them.</summary>
    public long[] Snapshot()
    {
        var copy = new long[_counts.Length];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = Interlocked.Read(ref _counts[i]);
        }

        return copy;
    }

    /// <summary>The percentile of a snapshot (or a difference of two), in milliseconds; 0 when it is empty.</summary>
    public static double Percentile(long[] counts, double quantile)
    {
        var total = counts.Sum();
        if (total == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return UpperBoundMicros(i) / 1000.0;
            }
        }

        return UpperBoundMicros(counts.Length - 1) / 1000.0;
    }

    private static int Index(ulong micros)
    {
        if (micros < SubBuckets)
        {
            return (int)micros;
        }

        var power = 63 - BitOperations.LeadingZeroCount(micros); // >= 3
        var sub = (int)((micros >> (power - 3)) & (SubBuckets - 1));
        return Math.Min((((power - 2) * SubBuckets) + sub), (Powers * SubBuckets) - 1);
    }

    private static double UpperBoundMicros(int index)
    {
        if (index < SubBuckets)
        {
            return index + 1;
        }

        var power = (index / SubBuckets) + 2;
        var sub = index % SubBuckets;
        return (double)(1UL << (power - 3)) * (SubBuckets + sub + 1);
    }
}
