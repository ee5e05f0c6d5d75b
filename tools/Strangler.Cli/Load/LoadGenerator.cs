using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Strangler.Cli.Load;

/// <summary>How much load: requests per second in total, and how many riders and drivers act.</summary>
/// <param name="Rate">Requests per second in total.</param>
/// <param name="Riders">Riders who request, start and complete trips.</param>
/// <param name="Drivers">Drivers who go online and report their position.</param>
/// <param name="Users">Distinct <c>X-User-Id</c>s the requests are spread over.</param>
/// <param name="Workers">Concurrent senders.</param>
/// <param name="ReadOwnSignUps">
/// Whether drivers who sign up then read their own profile. The proxy's read-your-writes covers writes made while the
/// route's reads may go to the service (canary, service); a driver who signed up while the route was at legacy or shadow
/// and reads right after an operator moved reads to a lagging service can get a 404 (docs/proxy.md).
/// </param>
public sealed record LoadOptions(double Rate = 100, int Riders = 20, int Drivers = 20, int Users = 1000, int Workers = 16, bool ReadOwnSignUps = true);

/// <summary>
/// Riders and drivers using RideShare through the proxy: drivers report their position, riders request, start and
/// complete trips (the monolith reserving drivers through the proxy), and everyone reads drivers, passengers and
/// completed trips; a few new drivers sign up. Every response is counted by operation, outcome and the backend that served it
/// (<c>X-Strangler-Backend</c>). A trip refused because no driver was free (409) is a declined request, not a
/// failure; every other non-2xx answer and every transport error is a failure.
/// </summary>
public sealed class LoadGenerator(HttpClient proxy, LoadOptions options)
{
    private const decimal Lat = 41.15m;
    private const decimal Lng = -8.61m;
    private readonly ConcurrentQueue<long> _idleRiders = new();
    private readonly List<long> _movers = [];
    private readonly ConcurrentBag<(long Id, string? User)> _drivers = []; // a signed-up driver reads itself as its own user
    private readonly List<long> _passengers = [];
    private readonly ConcurrentQueue<(long Id, string User)> _completedTrips = new(); // never changes again; read by its rider (read-your-writes)
    private readonly ConcurrentQueue<string> _failureSamples = new();
    private readonly ConcurrentDictionary<(long Bucket, string Backend), long> _split = new();
    private readonly LatencyLog _latency = new();
    private long _requests;
    private long _failed;
    private long _declined;
    private long _trips;
    private long _started;

    /// <summary>Seconds per bucket of the backend split over time.</summary>
    public const int BucketSeconds = 10;

    public long Requests => Interlocked.Read(ref _requests);

    public long Failed => Interlocked.Read(ref _failed);

    public long Declined => Interlocked.Read(ref _declined);

    public long TripsCompleted => Interlocked.Read(ref _trips);

    public IReadOnlyCollection<string> FailureSamples => _failureSamples;

    public double LatencyP99 => _latency.Percentile(0.99);

    /// <summary>Drivers requests served per backend, per <see cref="BucketSeconds"/>-second bucket since the load started.</summary>
    public IReadOnlyList<(long Bucket, long Legacy, long Service)> BackendSplit =>
        _split.Keys.Select(k => k.Bucket).Distinct().Order()
            .Select(b => (b, _split.GetValueOrDefault((b, "legacy")), _split.GetValueOrDefault((b, "service")))).ToList();

    /// <summary>Signs up the load's drivers (available near one spot) and riders.</summary>
    public async Task SetupAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < options.Drivers; i++)
        {
            var created = await SendJsonAsync(HttpMethod.Post, "/api/drivers", DriverBody(), "setup", cancellationToken);
            var id = created.GetProperty("id").GetInt64();
            await SendJsonAsync(HttpMethod.Put, $"/api/drivers/{id}/status", new { status = "available", location = Near(i) }, "setup", cancellationToken);
            _movers.Add(id); // read by their riders' trips, not by the readers: a driver moving every second is stale on a replica for its sync lag
        }

        for (var i = 0; i < options.Riders; i++)
        {
            var created = await SendJsonAsync(HttpMethod.Post, "/api/passengers",
                new { fullName = $"Rider {i}", email = $"rider.{Guid.NewGuid():N}@load.example" }, "setup", cancellationToken);
            var id = created.GetProperty("id").GetInt64();
            _passengers.Add(id);
            _idleRiders.Enqueue(id);
        }
    }

    /// <summary>Sends load at the configured rate until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var page = await SendAsync(HttpMethod.Get, "/api/drivers?pageSize=200", null, "setup", "setup", cancellationToken);
        foreach (var driver in page?.GetProperty("items").EnumerateArray() ?? [])
        {
            if (!_movers.Contains(driver.GetProperty("id").GetInt64()))
            {
                _drivers.Add((driver.GetProperty("id").GetInt64(), null));
            }
        }

        Interlocked.CompareExchange(ref _started, Stopwatch.GetTimestamp(), 0);
        var slot = 0L;
        var start = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, options.Workers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w * 7919 + 17);
            while (!cancellationToken.IsCancellationRequested)
            {
                // Paced: request n goes out at start + n / rate (open loop, so a slow backend does not lower the rate it sees).
                var n = Interlocked.Increment(ref slot);
                var due = TimeSpan.FromSeconds(n / options.Rate) - Stopwatch.GetElapsedTime(start);
                try
                {
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, cancellationToken);
                    }

                    await OneAsync(random, cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }, CancellationToken.None)).ToList();
        await Task.WhenAll(workers);
    }

    private async Task OneAsync(Random random, CancellationToken cancellationToken)
    {
        var roll = random.Next(100);
        var user = random.Next(options.Users).ToString(CultureInfo.InvariantCulture);
        if (roll < 20 && _idleRiders.TryDequeue(out var rider))
        {
            try
            {
                await RideAsync(rider, user, random, cancellationToken);
            }
            finally
            {
                _idleRiders.Enqueue(rider);
            }

            return;
        }

        if (roll < 40 && _movers.Count > 0)
        {
            var driver = _movers[random.Next(_movers.Count)];
            await SendAsync(HttpMethod.Put, $"/api/drivers/{driver}/status", new { location = Near(random.Next(1000)) }, "driver-moves", user, cancellationToken);
        }
        else if (roll < 45)
        {
            var created = await SendAsync(HttpMethod.Post, "/api/drivers", DriverBody(), "driver-signs-up", user, cancellationToken);
            if (created is { } body && options.ReadOwnSignUps)
            {
                _drivers.Add((body.GetProperty("id").GetInt64(), user));
            }
        }
        else if (roll < 55)
        {
            // Off-duty drivers: the moving drivers are never among them (a list of moving drivers differs on a replica by its lag).
            await SendAsync(HttpMethod.Get, "/api/drivers?status=offline&pageSize=20", null, "list-offline", user, cancellationToken);
        }
        else if (roll < 60 && _completedTrips.TryPeek(out _))
        {
            var trips = _completedTrips.ToArray();
            var (trip, tripUser) = trips[random.Next(trips.Length)];
            await SendAsync(HttpMethod.Get, $"/api/trips/{trip}", null, "read-trip", tripUser, cancellationToken);
        }
        else if (roll < 65 && _passengers.Count > 0)
        {
            await SendAsync(HttpMethod.Get, $"/api/passengers/{_passengers[random.Next(_passengers.Count)]}", null, "read-passenger", user, cancellationToken);
        }
        else
        {
            // A driver who signed up reads their profile as themselves (read-your-writes at the proxy); others are read by anyone.
            var drivers = _drivers.ToArray();
            var (id, owner) = drivers.Length > 0 ? drivers[random.Next(drivers.Length)] : (1, null);
            await SendAsync(HttpMethod.Get, $"/api/drivers/{id}", null, "read-driver", owner ?? user, cancellationToken);
        }
    }

    /// <summary>A rider's trip: request (a driver is reserved through the proxy), start, complete with a rating.</summary>
    private async Task RideAsync(long rider, string user, Random random, CancellationToken cancellationToken)
    {
        var trip = await SendAsync(HttpMethod.Post, "/api/trips",
            new { passengerId = rider, pickup = Near(random.Next(1000)), dropoff = Near(random.Next(1000) + 500) }, "trip-request", user, cancellationToken,
            idempotencyKey: $"load-{Guid.NewGuid():N}", declinable: true);
        if (trip is not { } created)
        {
            return;
        }

        var id = created.GetProperty("id").GetInt64();
        if (await SendAsync(HttpMethod.Post, $"/api/trips/{id}/start", null, "trip-start", user, cancellationToken) is null)
        {
            return;
        }

        if (await SendAsync(HttpMethod.Post, $"/api/trips/{id}/complete", new { rating = 1 + random.Next(5) }, "trip-complete", user, cancellationToken) is not null)
        {
            Interlocked.Increment(ref _trips);
            _completedTrips.Enqueue((id, user));
            while (_completedTrips.Count > 1000 && _completedTrips.TryDequeue(out _))
            {
            }
        }
    }

    private async Task<JsonElement?> SendAsync(
        HttpMethod method, string path, object? body, string operation, string user, CancellationToken cancellationToken,
        string? idempotencyKey = null, bool declinable = false)
    {
        HttpRequestMessage Build()
        {
            var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.TryAddWithoutValidation("X-User-Id", user);
            if (idempotencyKey is not null)
            {
                request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
            }

            return request;
        }

        Interlocked.Increment(ref _requests);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await SendRetryingAsync(Build, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            _latency.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (Interlocked.Read(ref _started) != 0 && path.StartsWith("/api/drivers", StringComparison.Ordinal)
                && response.Headers.TryGetValues("X-Strangler-Backend", out var backends))
            {
                var bucket = (long)(Stopwatch.GetElapsedTime(Interlocked.Read(ref _started)).TotalSeconds / BucketSeconds);
                _split.AddOrUpdate((bucket, backends.First()), 1, (_, n) => n + 1);
            }

            if (response.IsSuccessStatusCode)
            {
                return text.Length == 0 ? default(JsonElement) : JsonSerializer.Deserialize<JsonElement>(text);
            }

            if (declinable && response.StatusCode == HttpStatusCode.Conflict)
            {
                Interlocked.Increment(ref _declined);
                return null;
            }

            Fail($"{operation}: {method} {path} → {(int)response.StatusCode} {text[..Math.Min(200, text.Length)]}");
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Fail($"{operation}: {method} {path} → {e.GetType().Name}: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// Sends, retrying (up to 10 times, waiting a little longer each time) what the API says to retry: a 409 because the
    /// row was changed by another request at the same moment (optimistic concurrency: a driver's position update racing
    /// the trip that reserves the driver).
    /// </summary>
    private async Task<HttpResponseMessage> SendRetryingAsync(Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = build();
            var response = await proxy.SendAsync(request, cancellationToken);
            if (attempt == 10 || response.StatusCode != HttpStatusCode.Conflict
                || !(await response.Content.ReadAsStringAsync(cancellationToken)).Contains("changed by another request at the same time", StringComparison.Ordinal))
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(TimeSpan.FromMilliseconds(10 * attempt), cancellationToken); // back off, as a client should
        }
    }

    private void Fail(string sample)
    {
        Interlocked.Increment(ref _failed);
        if (_failureSamples.Count < 10)
        {
            _failureSamples.Enqueue(sample);
        }
    }

    private async Task<JsonElement> SendJsonAsync(HttpMethod method, string path, object body, string operation, CancellationToken cancellationToken) =>
        await SendAsync(method, path, body, operation, "setup", cancellationToken)
        ?? throw new Cli.CliException($"the load generator could not set up ({operation} {method} {path}): {_failureSamples.LastOrDefault()}");

    private static object DriverBody() => new
    {
        fullName = "Load Driver",
        email = $"driver.{Guid.NewGuid():N}@load.example",
        licenceNumber = $"L-{Guid.NewGuid():N}"[..16],
        licenceExpiresOn = "2031-06-30",
        vehicle = new { make = "Kia", model = "Niro", plate = "LD-00-01" },
    };

    private static object Near(int i) => new { latitude = Lat + (i % 50) * 0.0004m, longitude = Lng - (i / 50 % 50) * 0.0004m };

    /// <summary>Response times, kept for a percentile at the end (a bounded reservoir).</summary>
    private sealed class LatencyLog
    {
        private readonly double[] _samples = new double[100_000];
        private long _count;

        public void Add(double ms)
        {
            var n = Interlocked.Increment(ref _count) - 1;
            _samples[n % _samples.Length] = ms;
        }

        public double Percentile(double p)
        {
            var n = (int)Math.Min(Interlocked.Read(ref _count), _samples.Length);
            if (n == 0)
            {
                return 0;
            }

            var sorted = _samples[..n];
            Array.Sort(sorted);
            return sorted[Math.Min(n - 1, (int)Math.Ceiling(p * n) - 1)];
        }
    }
}
