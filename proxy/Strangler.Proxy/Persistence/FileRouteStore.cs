using System.Runtime.CompilerServices;
using System.Text.Json;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Persistence;

/// <summary>
/// The route table as a JSON file, replaced atomically (write a temp file, flush to disk, rename over), and
/// the audit log as JSON lines beside it. For a single proxy; replicas use the Postgres store.
/// </summary>
internal sealed class FileRouteStore(string path) : IRouteStore, IDisposable
{
    private readonly string _path = Path.GetFullPath(path);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public void Dispose() => _gate.Dispose();

    private string AuditPath => Path.Combine(Path.GetDirectoryName(_path)!, "audit.jsonl");

    public async Task<RouteTableSnapshot?> LoadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(_path))
        {
            return null;
        }

        await using var stream = File.OpenRead(_path);
        return await JsonSerializer.DeserializeAsync<RouteTableSnapshot>(stream, ProxyJson.Options, cancellationToken)
            ?? throw new InvalidDataException($"Route table file {_path} is empty.");
    }

    public async Task<bool> TrySaveAsync(RouteTableSnapshot next, long expectedVersion, AuditEntry audit, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var stored = await LoadAsync(cancellationToken);
            if ((stored?.Version ?? 0) != expectedVersion)
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
