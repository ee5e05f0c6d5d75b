namespace Strangler.Proxy.Stats;

/// <summary>Counters for one route × backend: requests, status classes, transport failures, latency.</summary>
internal sealed class RouteBackendStats(Prometheus.Histogram.Child latencyMetric)
{
    private readonly long[] _statusClasses = new long[6]; // 1xx..5xx, [0] unused
    private long _requests;
    private long _transportErrors;

    public LatencyHistogram Latency { get; } = new();

    public long Requests => Interlocked.Read(ref _requests);

    public long TransportErrors => Interlocked.Read(ref _transportErrors);

    public long StatusClass(int digit) => Interlocked.Read(ref _statusClasses[digit]);

    public void Record(int statusCode, bool transportError, TimeSpan elapsed)
    {
        Interlocked.Increment(ref _requests);
        if (transportError)
        {
            Interlocked.Increment(ref _transportErrors);
        }

        var digit = statusCode / 100;
        if (digit is >= 1 and <= 5)
        {
            Interlocked.Increment(ref _statusClasses[digit]);
        }

        Latency.Record(elapsed);
        latencyMetric.Observe(elapsed.TotalSeconds);
    }
}
