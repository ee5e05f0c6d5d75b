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

    /// <summary>The newest recorded reconcile of each service, newest first; a torn last line is skipped.</summary>
    public IReadOnlyList<ReconcileResult> LastReconciles()
    {
        var path = options.Value.ReconcileLog;
        if (!ReconcileConfigured || !File.Exists(path))
        {
            return [];
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
            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                var output = root.TryGetProperty("output", out var o) && o.ValueKind == JsonValueKind.Array
                    ? o.EnumerateArray().Select(x => x.GetString() ?? "").Where(x => !x.StartsWith('[')).ToList() // not the log lines
                    : [];
                var result = new ReconcileResult(
                    root.GetProperty("at").GetDateTimeOffset(), root.GetProperty("service").GetString()!,
                    root.TryGetProperty("repair", out var r) && r.ValueKind == JsonValueKind.True,
                    root.GetProperty("exitCode").GetInt32() switch { 0 => "no drift", 2 => "drift", _ => "failed" },
                    string.Join(" / ", output.Take(3)));
                if (!newest.TryGetValue(result.Service, out var seen) || result.At >= seen.At)
                {
                    newest[result.Service] = result;
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
            {
                // A line being written right now: read at the next refresh.
            }
        }

        return [.. newest.Values.OrderByDescending(r => r.At)];
    }
}

/// <summary>A recorded reconcile: when, which service, whether it repaired, its outcome, the first lines it printed.</summary>
internal sealed record ReconcileResult(DateTimeOffset At, string Service, bool Repair, string Outcome, string Detail);
