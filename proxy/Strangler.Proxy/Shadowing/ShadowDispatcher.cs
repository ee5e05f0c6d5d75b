using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Strangler.Proxy.Stats;

namespace Strangler.Proxy.Shadowing;

/// <summary>
/// Sends shadow copies to the service in the background and compares the answers with the monolith's.
/// Clients never wait for it: jobs go into a bounded queue (a full queue drops the copy and counts it), and
/// a few workers send them with their own timeout. A copy whose route was retired before or while it was sent
/// is discarded (counted): once a route leaves shadow, no copy reaches the service any more.
/// </summary>
internal sealed class ShadowDispatcher(IOptions<ShadowOptions> options, ProxyStats stats, ILogger<ShadowDispatcher> logger) : BackgroundService
{
    private const int MaxDifferences = 10;
    private readonly ShadowOptions _options = options.Value;
    private readonly Channel<ShadowJob> _queue = Channel.CreateBounded<ShadowJob>(
        // Wait mode: TryWrite then returns false on a full queue, so the drop is ours to count (DropWrite drops silently).
        new BoundedChannelOptions(options.Value.QueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleWriter = false });

    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
    });

    public int MaxBodyBytes => _options.MaxBodyBytes;

    public void Enqueue(ShadowJob job)
    {
        if (!_queue.Writer.TryWrite(job))
        {
            stats.ShadowFor(job.RouteId).Drop();
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, _options.MaxConcurrency)).Select(_ => WorkAsync(stoppingToken)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var job in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                if (job.Route.Retired.IsCancellationRequested)
                {
                    stats.ShadowFor(job.RouteId).Discard();
                    continue;
                }

                try
                {
                    await CompareAsync(job, stoppingToken);
                }
                catch (OperationCanceledException) when (job.Route.Retired.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
                {
                    stats.ShadowFor(job.RouteId).Discard();
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    stats.ShadowFor(job.RouteId).ServiceError();
                    logger.LogDebug("Shadow copy to {Destination} failed: {Error}", job.Destination, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task CompareAsync(ShadowJob job, CancellationToken stoppingToken)
    {
        var shadow = stats.ShadowFor(job.RouteId);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, job.Route.Retired);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(_options.TimeoutMilliseconds));
        using var request = new HttpRequestMessage(new HttpMethod(job.Method), job.Destination + job.PathAndQuery);
        foreach (var (name, values) in job.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, values);
        }

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var body = await ReadLimitedAsync(response.Content, timeout.Token);
        if (body is null)
        {
            shadow.Skip();
            return;
        }

        var differences = new List<string>();
        var status = (int)response.StatusCode;
        if (status != job.LegacyStatus)
        {
            differences.Add($"status: legacy {job.LegacyStatus}, service {status}");
        }

        differences.AddRange(CompareBodies(job, response.Content.Headers.ContentType?.MediaType, body));
        if (differences.Count == 0)
        {
            shadow.Match();
        }
        else
        {
            shadow.Mismatch(new ShadowDiff(DateTimeOffset.UtcNow, job.Method, job.PathAndQuery, job.LegacyStatus, status, differences.Take(MaxDifferences).ToList()));
        }
    }

    private static List<string> CompareBodies(ShadowJob job, string? serviceType, byte[] serviceBody)
    {
        if (job.LegacyBody.Length == 0 && serviceBody.Length == 0)
        {
            return [];
        }

        if (IsJson(job.LegacyContentType) && IsJson(serviceType))
        {
            try
            {
                using var legacy = JsonDocument.Parse(job.LegacyBody);
                using var service = JsonDocument.Parse(serviceBody);
                return JsonStructuralComparer.Compare(legacy.RootElement, service.RootElement, job.Route.IgnoredFields, MaxDifferences);
            }
            catch (JsonException e)
            {
                return [$"body: not comparable as JSON ({e.Message.Split(" Path:", 2)[0]})"];
            }
        }

        return job.LegacyBody.AsSpan().SequenceEqual(serviceBody)
            ? []
            : [$"body: bytes differ (legacy {job.LegacyBody.Length} bytes {job.LegacyContentType}, service {serviceBody.Length} bytes {serviceType})"];
    }

    private static bool IsJson(string? mediaType) =>
        mediaType is not null && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    private async Task<byte[]?> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > _options.MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    public override void Dispose()
    {
        _client.Dispose();
        base.Dispose();
    }
}
