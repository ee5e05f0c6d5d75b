using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Strangler.Proxy.Dashboard;

/// <summary>
/// Reads what <c>strangler playbook</c> keeps in <see cref="DashboardOptions.PlaybookFolder"/>: the newest run (its
/// <c>&lt;playbook&gt;.run.json</c>: status, steps and gates) and the newest reconcile result in the runs' audit
/// lines. Read-only; a file being rewritten at that moment is read at the next refresh.
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

    /// <summary>The newest audit line of any run that reports a reconcile (its action or a drift gate).</summary>
    public ReconcileResult? LastReconcile()
    {
        var folder = options.Value.PlaybookFolder;
        if (!Configured || !Directory.Exists(folder))
        {
            return null;
        }

        ReconcileResult? newest = null;
        foreach (var file in Directory.GetFiles(folder, "*.audit.jsonl"))
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            var playbook = Path.GetFileName(file)[..^".audit.jsonl".Length];
            for (var i = lines.Length - 1; i >= 0; i--)
            {
                if (Parse(playbook, lines[i]) is not { } result)
                {
                    continue;
                }

                if (newest is null || result.At > newest.At)
                {
                    newest = result;
                }

                break; // the newest of this file
            }
        }

        return newest;
    }

    private static ReconcileResult? Parse(string playbook, string line)
    {
        if (!line.Contains("drift", StringComparison.Ordinal) && !line.Contains("reconcile", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var detail = root.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "";
            if (!detail.Contains("drift", StringComparison.Ordinal) && !detail.StartsWith("reconcile", StringComparison.Ordinal))
            {
                return null;
            }

            return new ReconcileResult(
                root.GetProperty("at").GetDateTimeOffset(), playbook,
                root.TryGetProperty("step", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null, detail);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            return null;
        }
    }
}

/// <summary>A reconcile outcome a playbook run recorded: when, which playbook and step, what it said.</summary>
internal sealed record ReconcileResult(DateTimeOffset At, string Playbook, string? Step, string Detail);
