using System.Text.Json;
using Strangler.Cli.Cli;
using Strangler.Cli.Stack;

namespace Strangler.Cli.Commands;

/// <summary>A reconcile's outcome, kept in <c>&lt;data&gt;/reconcile.jsonl</c> for <c>strangler status</c>.</summary>
public sealed record ReconcileRecord(DateTimeOffset At, string Service, bool Repair, int ExitCode, string[] Output);

/// <summary><c>strangler reconcile &lt;service&gt; [--repair]</c>: the service's own reconcile, against the running stack.</summary>
public static class ReconcileCommand
{
    public static async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken)
    {
        var service = Components.Service(context.Args.RequiredWord(1, "the service to reconcile (drivers, passengers or trips)"));
        var repair = context.Args.Flag("repair");
        context.Args.EnsureAllUsed(2);
        var (code, lines) = await RunAsync(context, service, repair, cancellationToken);
        foreach (var line in lines)
        {
            context.Output.Line(line);
        }

        context.Output.Result(new { service = service.Name, repair, drift = code == 2, exitCode = code, output = lines });
        if (code == 1)
        {
            throw new CliException($"reconcile of {service.Name} failed: {(lines.Count > 0 ? lines[^1] : "no output")}");
        }

        context.Output.Summary($"reconcile {service.Name}: {(code == 0 ? "no drift" : "drift")}");
        return code == 0 ? ExitCodes.Ok : ExitCodes.NotMet;
    }

    /// <summary>Runs the service's reconcile and records the outcome.</summary>
    public static async Task<(int ExitCode, IReadOnlyList<string> Output)> RunAsync(CliContext context, Component service, bool repair, CancellationToken cancellationToken)
    {
        var (code, lines) = await ServiceProbe.ReconcileAsync(service, context.Repo, repair, context.Profile, cancellationToken);
        Directory.CreateDirectory(context.Layout.Data);
        await File.AppendAllTextAsync(Path.Combine(context.Layout.Data, "reconcile.jsonl"),
            JsonSerializer.Serialize(new ReconcileRecord(DateTimeOffset.UtcNow, service.Name, repair, code, [.. lines]), Output.Json).ReplaceLineEndings(" ") + "\n",
            cancellationToken);
        return (code, lines);
    }

    /// <summary>The newest recorded reconcile per service.</summary>
    public static Dictionary<string, ReconcileRecord> Last(StackLayout layout)
    {
        var path = Path.Combine(layout.Data, "reconcile.jsonl");
        var last = new Dictionary<string, ReconcileRecord>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return last;
        }

        foreach (var line in File.ReadLines(path))
        {
            try
            {
                if (JsonSerializer.Deserialize<ReconcileRecord>(line, Output.Json) is { } record)
                {
                    last[record.Service] = record;
                }
            }
            catch (JsonException)
            {
                // A line cut short by a crash: the ones before it still count.
            }
        }

        return last;
    }
}
