using System.Text.Json;
using System.Text.Json.Serialization;

namespace Strangler.Cli.Playbooks;

/// <summary>How to walk a step back: what was there before its action.</summary>
public sealed record Undo(string Kind, string? Stage = null, int? Weight = null, string? Owner = null);

public sealed class StepState
{
    public required string Id { get; init; }

    /// <summary><c>pending</c>, <c>acting</c> (its action started), <c>gating</c> (action applied, gates being checked), <c>done</c>, <c>failed</c>, <c>rolled-back</c>.</summary>
    public string Status { get; set; } = "pending";

    public bool ActionApplied { get; set; }

    public Undo? Undo { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public string? Detail { get; set; }
}

/// <summary>A playbook run, persisted after every transition (<c>.strangler/playbooks/&lt;name&gt;.run.json</c>) so a killed run resumes.</summary>
public sealed class RunState
{
    public required string Playbook { get; init; }

    public required string RunId { get; init; }

    /// <summary><c>running</c>, <c>stopped</c> (a gate not met), <c>done</c>, <c>rolling-back</c>, <c>rolled-back</c>.</summary>
    public string Status { get; set; } = "running";

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    public required List<StepState> Steps { get; init; }

    [JsonIgnore]
    public bool Finished => Status is "done" or "rolled-back";
}

/// <summary>Where runs are kept: the state file (replaced atomically) and an append-only audit log per playbook.</summary>
public sealed class RunStore(string folder)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private static readonly JsonSerializerOptions AuditJson = new(JsonSerializerDefaults.Web);

    public string Folder => folder;

    public string StatePath(string playbook) => Path.Combine(folder, $"{playbook}.run.json");

    public string AuditPath(string playbook) => Path.Combine(folder, $"{playbook}.audit.jsonl");

    public RunState? Load(string playbook)
    {
        var path = StatePath(playbook);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<RunState>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new Cli.CliException($"the run state {path} cannot be read ({e.Message}); move it aside to start a new run.");
        }
    }

    public void Save(RunState state)
    {
        Directory.CreateDirectory(folder);
        state.UpdatedAt = DateTimeOffset.UtcNow;
        var path = StatePath(state.Playbook);
        var temp = path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(file, state, Json);
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    public void Audit(RunState state, string? step, string @event, string detail)
    {
        Directory.CreateDirectory(folder);
        var line = JsonSerializer.Serialize(new { at = DateTimeOffset.UtcNow, runId = state.RunId, step, @event, detail }, AuditJson);
        using var file = new FileStream(AuditPath(state.Playbook), FileMode.Append, FileAccess.Write, FileShare.Read);
        using var writer = new StreamWriter(file);
        writer.WriteLine(line);
        writer.Flush();
        file.Flush(flushToDisk: true);
    }

    /// <summary>One runner per playbook at a time: held for the run, released by the OS if the process dies.</summary>
    public IDisposable Lock(string playbook)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{playbook}.lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException)
        {
            throw new Cli.CliException($"another `strangler playbook` is running {playbook} ({path} is held).");
        }
    }
}
