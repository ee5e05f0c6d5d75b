using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Strangler.Proxy.Handoff;

/// <summary>
/// Read-your-writes while reads are canaried or moved ahead of writes (design.md, step 3): a write answered by the
/// monolith reports its commit position (<c>X-Strangler-Lsn</c>); the proxy remembers the newest one per route and
/// user (cohort key) for <c>Proxy:ReadYourWrites:WindowMilliseconds</c>, and serves that user's reads of the route
/// from the service only once the service's sync has applied it (<c>/sync/status</c>, cached briefly) — otherwise
/// from the monolith. How often that happened is counted per route.
/// </summary>
internal sealed class ReadYourWrites : IDisposable
{
    public const string HeaderName = "X-Strangler-Lsn";
    private readonly ConcurrentDictionary<(string Route, string Key), (ulong Lsn, long Expires)> _pending = new();
    private readonly ConcurrentDictionary<string, (ulong Applied, long At)> _applied = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _redirects = new(StringComparer.Ordinal);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly long _window;
    private readonly long _cache;
    private readonly int _maxUsers;

    public ReadYourWrites(Microsoft.Extensions.Options.IOptions<ReadYourWritesOptions> options)
    {
        var settings = options.Value;
        _window = (long)(settings.WindowMilliseconds * (Stopwatch.Frequency / 1000.0));
        _cache = (long)(settings.StatusCacheMilliseconds * (Stopwatch.Frequency / 1000.0));
        _maxUsers = settings.MaxUsers;
    }

    public bool HasPending => !_pending.IsEmpty;

    public long RedirectsFor(string route) => _redirects.TryGetValue(route, out var count) ? count : 0;

    /// <summary>Remembers a write's commit position for the user.</summary>
    public void Remember(string route, string key, string? header)
    {
        if (header is null || !ulong.TryParse(header, NumberStyles.None, CultureInfo.InvariantCulture, out var lsn))
        {
            return;
        }

        if (_pending.Count >= _maxUsers)
        {
            Sweep();
        }

        var expires = Stopwatch.GetTimestamp() + _window;
        _pending.AddOrUpdate((route, key), (lsn, expires), (_, old) => (Math.Max(old.Lsn, lsn), expires));
    }

    /// <summary>
    /// True when this user's read must go to the monolith: they wrote at a position <paramref name="destination"/>
    /// has not applied yet (or its position cannot be read).
    /// </summary>
    public async ValueTask<bool> MustReadFromLegacyAsync(string route, string key, string destination, CancellationToken cancellationToken)
    {
        if (!_pending.TryGetValue((route, key), out var pending))
        {
            return false;
        }

        if (Stopwatch.GetTimestamp() > pending.Expires)
        {
            _pending.TryRemove(new KeyValuePair<(string, string), (ulong, long)>((route, key), pending));
            return false;
        }

        var applied = await AppliedAsync(destination, cancellationToken);
        if (applied >= pending.Lsn)
        {
            _pending.TryRemove(new KeyValuePair<(string, string), (ulong, long)>((route, key), pending));
            return false;
        }

        _redirects.AddOrUpdate(route, 1, (_, n) => n + 1);
        return true;
    }

    private async ValueTask<ulong> AppliedAsync(string destination, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        if (_applied.TryGetValue(destination, out var cached) && now - cached.At < _cache)
        {
            return cached.Applied;
        }

        try
        {
            using var status = JsonDocument.Parse(await _http.GetStringAsync($"{destination.TrimEnd('/')}/sync/status", cancellationToken));
            var applied = status.RootElement.TryGetProperty("appliedLsn", out var a) && a.TryGetUInt64(out var value) ? value : 0;
            _applied[destination] = (applied, Stopwatch.GetTimestamp());
            return applied;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return 0; // unknown: the monolith answers
        }
    }

    private void Sweep()
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var entry in _pending)
        {
            if (now > entry.Value.Expires)
            {
                _pending.TryRemove(entry);
            }
        }

        if (_pending.Count >= _maxUsers)
        {
            _pending.Clear(); // still full of live entries: forget them rather than grow without bound (reads then follow the stage)
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary><c>Proxy:ReadYourWrites</c>.</summary>
public sealed class ReadYourWritesOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "Proxy:ReadYourWrites";

    /// <summary>
    /// How long a user's write keeps their reads off a replica that has not applied it. It only bounds a replica that
    /// stays behind: the memory of a write is dropped as soon as the replica has applied it, so a long window costs
    /// nothing while the sync keeps up — and a window shorter than a lag spike lets a user read older data.
    /// </summary>
    public int WindowMilliseconds { get; set; } = 60_000;

    /// <summary>How long a service's applied position read from /sync/status is reused.</summary>
    public int StatusCacheMilliseconds { get; set; } = 5;

    /// <summary>Most users remembered at once.</summary>
    public int MaxUsers { get; set; } = 100_000;
}
