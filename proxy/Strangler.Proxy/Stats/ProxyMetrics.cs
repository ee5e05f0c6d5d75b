using Prometheus;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Stats;

/// <summary>
/// The proxy's Prometheus registry (one per proxy, never the process-wide default, so proxies sharing a
/// process keep their own series) and the one metric recorded on the request path: latency as a histogram.
/// Every other series is copied from the lock-free counters at scrape time (<see cref="StatsReport"/>).
/// </summary>
internal sealed class ProxyMetrics
{
    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 100];

    public ProxyMetrics()
    {
        Factory = Metrics.WithCustomRegistry(Registry);
        // No exemplars: they read the current Activity on every observation, and nothing here traces requests.
        Factory.ExemplarBehavior = ExemplarBehavior.NoExemplars();
        Latency = Factory.CreateHistogram(
            "strangler_request_duration_seconds", "Request latency through the proxy, by route and backend.",
            ["route", "backend"], new HistogramConfiguration { Buckets = LatencyBuckets });
    }

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    public IMetricFactory Factory { get; }

    public Histogram Latency { get; }

    /// <summary>The histogram series of one route × backend, looked up once and kept by its stats.</summary>
    public Histogram.Child LatencyFor(string route, Backend backend) => Latency.WithLabels(route, BackendName(backend));

    public static string BackendName(Backend backend) => backend == Backend.Legacy ? "legacy" : "service";
}
