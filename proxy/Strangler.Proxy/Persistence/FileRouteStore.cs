using System.Runtime.CompilerServices;
using System.Text.Json;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Persistence;

/// <summary>
/// The route table as a JSON file, replaced atomically (write a temp file, flush to disk, rename over), and
/// the audit log as JSON lines beside it. For a single proxy; replicas use the Postgres store.
/// </summary>
internal sealed class FileRouteStore(string path, TimeProvider time, ILogger<FileRouteStore> logger) : IRouteStore, IDisposable
{
    private readonly string _path = Path.GetFullPath(path);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public void Dispose() => _gate.Dispose();

    public string Description => $"file {_path}";

    private string AuditPath => Path.Combine(Path.GetDirectoryName(_path)!, "audit.jsonl");

    public async Task<RouteTableSnapshot?> LoadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(_path))
        {
            return null;
        }

        byte[] content;
        try
        {
            content = await File.ReadAllBytesAsync(_path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RouteStoreException($"The route table file {_path} cannot be read: {e.Message}", inner: e);
        }

        try
        {
            return JsonSerializer.Deserialize<RouteTableSnapshot>(content, ProxyJson.Options)
                ?? throw new RouteStoreException($"The route table file {_path} holds null, not a route table.", 0);
        }
        catch (JsonException e)
        {
            throw new RouteStoreException($"The route table file {_path} is not a route table: {e.Message}", VersionIn(content), e);
        }
    }

    public async Task<bool> TrySaveAsync(RouteTableSnapshot next, long expectedVersion, AuditEntry audit, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            long storedVersion;
            try
            {
                // A file deleted while running: the running table (the last good one) writes it anew.
                storedVersion = (await LoadAsync(cancellationToken))?.Version ?? expectedVersion;
            }
            catch (RouteStoreException e) when (e.StoredVersion is null)
            {
                // Not even a version can be read: the running table (the last good one) supersedes the file. Keep
                // the unreadable content beside it for whoever edited it.
                var aside = $"{_path}.unreadable-{time.GetUtcNow():yyyyMMddHHmmss}";
                File.Move(_path, aside, overwrite: true);
                logger.LogError("Route table file {Path} was unreadable ({Error}); moved to {Aside} and replaced", _path, e.Message, aside);
                storedVersion = expectedVersion;
            }

            if (storedVersion != expectedVersion)
            {
                return false;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            var temp = _path + ".tmp";
            await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
            {
                await JsonSerializer.SerializeAsync(stream, next, ProxyJson.Options, cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, _path, overwrite: true);
            await File.AppendAllTextAsync(AuditPath, JsonSerializer.Serialize(audit, ProxyJson.Options) + "\n", cancellationToken);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The top-level "version" of a file that is JSON but not a valid table, when it has one.</summary>
    private static long? VersionIn(byte[] content)
    {
        try
        {
            using var document = JsonDocument.Parse(content);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("version", out var version) && version.TryGetInt64(out var v) ? v : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(int limit, CancellationToken cancellationToken)
    {
        if (!File.Exists(AuditPath))
        {
            return [];
        }

        var lines = await File.ReadAllLinesAsync(AuditPath, cancellationToken);
        return lines.Reverse().Where(l => l.Length > 0).Take(limit)
            .Select(l => JsonSerializer.Deserialize<AuditEntry>(l, ProxyJson.Options)!)
            .ToList();
    }

    public async IAsyncEnumerable<long> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // One proxy owns the file: there is no other writer to watch for.
        await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        yield break;
    }
}
