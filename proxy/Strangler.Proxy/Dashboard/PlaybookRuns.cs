using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Strangler.Proxy.Dashboard;

/// <summary>
/// Reads what the <c>strangler</c> CLI keeps: the newest playbook run in <see cref="DashboardOptions.PlaybookFolder"/>
/// (its <c>&lt;playbook&gt;.run.json</c>: status, steps and gates) and the newest reconcile of each service in
/// <see cref="DashboardOptions.ReconcileLog"/>. Read-only; a file being rewritten at that moment is read at the next
/// refresh.
/// </summary>
internal sealed class PlaybookRuns(IOptions<DashboardOptions> options)
{
    private ReconcileCache? _reconciles; // replaced whole (a reference): concurrent readers see one or the other

    /// <summary>Whether a playbook folder is configured at all.</summary>
    public bool Configured => options.Value.PlaybookFolder.Length > 0;

    /// <summary>The most recently updated run, as stored; null when there is none.</summary>
    public JsonElement? NewestRun()
    {
        var folder = options.Value.PlaybookFolder;
        if (!Configured || !Directory.Exists(folder))
        {
            return null;
        }

        foreach (var file in new DirectoryInfo(folder).GetFiles("*.run.json").OrderByDescending(f => f.LastWriteTimeUtc))
        {
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(file.FullName));
                return document.RootElement.Clone();
            }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
            {
                // Being replaced right now (written to a temp file, then moved): try the next one.
            }
        }

        return null;
    }

    /// <summary>Whether a reconcile log is configured at all.</summary>
    public bool ReconcileConfigured => options.Value.ReconcileLog.Length > 0;

    /// <summary>
    /// The newest recorded reconcile of each service, newest first. Lines that are torn (being written) or do not have
    /// the recorded shape (a field missing or null) are skipped. The log is read again only when it changed (the page
    /// asks every second; the log grows by a few kB per reconcile).
    /// </summary>
    public IReadOnlyList<ReconcileResult> LastReconciles()
    {
        var path = options.Value.ReconcileLog;
        var file = ReconcileConfigured ? new FileInfo(path) : null;
        if (file is null || !file.Exists)
        {
            return [];
        }

        var version = (file.LastWriteTimeUtc, file.Length);
        if (Volatile.Read(ref _reconciles) is { } cached && cached.Version == version)
        {
            return cached.Results;
        }

        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        var newest = new Dictionary<string, ReconcileResult>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            if (Read(line) is { } result && (!newest.TryGetValue(result.Service, out var seen) || result.At >= seen.At))
            {
                newest[result.Service] = result;
            }
        }

        IReadOnlyList<ReconcileResult> results = [.. newest.Values.OrderByDescending(r => r.At)];
        Volatile.Write(ref _reconciles, new ReconcileCache(version, results));
        return results;
    }

    private static ReconcileResult? Read(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("service", out var service) || service.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("at", out var at) || at.ValueKind != JsonValueKind.String || !at.TryGetDateTimeOffset(out var when)
                || !root.TryGetProperty("exitCode", out var code) || code.ValueKind != JsonValueKind.Number || !code.TryGetInt32(out var exit))
            {
                return null;
            }

            var output = root.TryGetProperty("output", out var o) && o.ValueKind == JsonValueKind.Array
                ? o.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).Where(x => !x.StartsWith('[')).ToList() // not the log lines
                : [];
            return new ReconcileResult(
                when, service.GetString()!, root.TryGetProperty("repair", out var r) && r.ValueKind == JsonValueKind.True,
                exit switch { 0 => "no drift", 2 => "drift", _ => "failed" },
                string.Join(" / ", output.Take(3)));
        }
        catch (JsonException)
        {
            return null; // a line being written right now: read at the next refresh
        }
    }
}

/// <summary>The reconcile log's last reading, with the file's write time and length it was read at.</summary>
internal sealed record ReconcileCache((DateTime, long) Version, IReadOnlyList<ReconcileResult> Results);

/// <summary>A recorded reconcile: when, which service, whether it repaired, its outcome, the first lines it printed.</summary>
internal sealed record ReconcileResult(DateTimeOffset At, string Service, bool Repair, string Outcome, string Detail);
