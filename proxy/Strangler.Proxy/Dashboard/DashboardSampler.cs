using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Strangler.Proxy.Routing;
using Strangler.Proxy.Stats;

namespace Strangler.Proxy.Dashboard;

/// <summary>
/// Turns the proxy's cumulative counters into per-second series for the dashboard: requests/s, error rate and
/// latency p50/p99 of the last second per route × backend (from the difference of two histogram snapshots, not
/// since start), and each service destination's /sync/status. Samples once a second, only while a dashboard asked
/// for data within <see cref="DashboardOptions.IdleSeconds"/>; nothing on the request path.
/// </summary>
internal sealed class DashboardSampler(
    ProxyStats stats, RouteTableHolder table, IOptions<DashboardOptions> options, TimeProvider time, ILogger<DashboardSampler> logger)
    : BackgroundService
{
    private readonly Lock _lock = new();
    private readonly Queue<SamplePoint> _points = new();
    private readonly Dictionary<(string Route, Backend Backend), Counters> _previous = [];
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
    {
        Timeout = TimeSpan.FromMilliseconds(options.Value.SyncStatusTimeoutMilliseconds),
    };

    private IReadOnlyList<ServiceSync> _sync = [];
    private long _lastAskedTicks; // 0: nobody asked yet
    private long _previousAt;

    /// <summary>The samples kept (oldest first) and the latest sync status of each service; marks the dashboard as watched.</summary>
    public (IReadOnlyList<SamplePoint> Points, IReadOnlyList<ServiceSync> Sync) Read()
    {
        Interlocked.Exchange(ref _lastAskedTicks, time.GetTimestamp());
        lock (_lock)
        {
            return ([.. _points], _sync);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var asked = Interlocked.Read(ref _lastAskedTicks);
            if (asked == 0 || time.GetElapsedTime(asked) > TimeSpan.FromSeconds(options.Value.IdleSeconds))
            {
                lock (_lock)
                {
                    _previous.Clear(); // the next sample after a pause is a new baseline, not one long "second"
                }

                continue;
            }

            try
            {
                Sample();
                var sync = await ReadSyncAsync(stoppingToken);
                lock (_lock)
                {
                    _sync = sync;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Dashboard sample failed");
            }
        }
    }

    /// <summary>One point: every route × backend's figures since the previous sample.</summary>
    internal void Sample()
    {
        var now = time.GetTimestamp();
        var series = new List<SeriesValue>();
        lock (_lock)
        {
            var seconds = _previousAt == 0 ? 0 : time.GetElapsedTime(_previousAt, now).TotalSeconds;
            foreach (var ((route, backend), s) in stats.Requests)
            {
                var current = new Counters(s.Requests, s.StatusClass(5) + s.TransportErrors, s.Latency.Snapshot());
                if (_previous.TryGetValue((route, backend), out var before) && seconds > 0)
                {
                    var requests = current.Requests - before.Requests;
                    var window = new long[current.Buckets.Length];
                    for (var i = 0; i < window.Length; i++)
                    {
                        window[i] = current.Buckets[i] - before.Buckets[i];
                    }

                    series.Add(new SeriesValue(
                        route, ProxyMetrics.BackendName(backend), Math.Round(requests / seconds, 1),
                        requests == 0 ? 0 : Math.Round((double)(current.Errors - before.Errors) / requests, 4),
                        LatencyHistogram.Percentile(window, 0.5), LatencyHistogram.Percentile(window, 0.99)));
                }

                _previous[(route, backend)] = current;
            }

            if (_previousAt != 0 && seconds > 0)
            {
                _points.Enqueue(new SamplePoint(time.GetUtcNow(), series));
                while (_points.Count > options.Value.HistorySeconds)
                {
                    _points.Dequeue();
                }
            }

            _previousAt = now;
        }
    }

    private async Task<IReadOnlyList<ServiceSync>> ReadSyncAsync(CancellationToken cancellationToken)
    {
        var services = table.Current.Routes
            .SelectMany(r => r.Destinations.Select(d => (Destination: d, Route: r.Id)))
            .GroupBy(x => x.Destination, StringComparer.Ordinal)
            .ToList();
        var results = await Task.WhenAll(services.Select(async group =>
        {
            var routes = group.Select(x => x.Route).Distinct(StringComparer.Ordinal).ToList();
            var watch = Stopwatch.StartNew();
            try
            {
                using var response = await _client.GetAsync(group.Key + "/sync/status", cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    return new ServiceSync(group.Key, routes, null, $"/sync/status answered {(int)response.StatusCode}");
                }

                using var document = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
                return new ServiceSync(group.Key, routes, document.RootElement.Clone(), null);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
            {
                return new ServiceSync(group.Key, routes, null, e is TaskCanceledException
                    ? $"/sync/status did not answer within {watch.ElapsedMilliseconds} ms"
                    : $"/sync/status unreachable: {e.Message}");
            }
        }));
        return results;
    }

    public override void Dispose()
    {
        _client.Dispose();
        base.Dispose();
    }

    private sealed record Counters(long Requests, long Errors, long[] Buckets);
}

/// <summary>One second of traffic: figures per route × backend.</summary>
internal sealed record SamplePoint(DateTimeOffset At, IReadOnlyList<SeriesValue> Series);

/// <summary>One route × backend over one sample: requests/s, share of 5xx and transport errors, latency p50/p99 (ms).</summary>
internal sealed record SeriesValue(string Route, string Backend, double RequestsPerSecond, double ErrorRate, double P50, double P99);

/// <summary>A service destination's /sync/status as it answered (null with <see cref="Problem"/> when it did not).</summary>
internal sealed record ServiceSync(string Destination, IReadOnlyList<string> Routes, JsonElement? Status, string? Problem);
