namespace Strangler.Proxy.Stats;

/// <summary>Shadow comparison outcomes for one route, and the latest mismatches (bounded).</summary>
internal sealed class ShadowStats(int sampleSize)
{
    private readonly Queue<ShadowDiff> _samples = new();
    private long _matches;
    private long _mismatches;
    private long _serviceErrors;
    private long _dropped;
    private long _skipped;
    private long _discarded;

    public long Matches => Interlocked.Read(ref _matches);

    public long Mismatches => Interlocked.Read(ref _mismatches);

    /// <summary>Shadow copies the service did not answer (transport error or timeout): not compared.</summary>
    public long ServiceErrors => Interlocked.Read(ref _serviceErrors);

    /// <summary>Copies not sent because the shadow queue was full: shadowing never holds up clients.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Copies whose responses were not comparable (a body over the size limit).</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Copies not sent (or cut off) because their route left shadow or changed first: no copy outlives a stage change.</summary>
    public long Discarded => Interlocked.Read(ref _discarded);

    public void Skip() => Interlocked.Increment(ref _skipped);

    public void Discard() => Interlocked.Increment(ref _discarded);

    public void Match() => Interlocked.Increment(ref _matches);

    public void ServiceError() => Interlocked.Increment(ref _serviceErrors);

    public void Drop() => Interlocked.Increment(ref _dropped);

    public void Mismatch(ShadowDiff diff)
    {
        Interlocked.Increment(ref _mismatches);
        lock (_samples)
        {
            _samples.Enqueue(diff);
            while (_samples.Count > sampleSize)
            {
                _samples.Dequeue();
            }
        }
    }

    public IReadOnlyList<ShadowDiff> Samples()
    {
        lock (_samples)
        {
            return [.. _samples];
        }
    }
}
