using Strangler.Cli.Cli;
using Strangler.Cli.Playbooks;
using Strangler.Cli.Stack;

namespace Strangler.Cli.Commands;

/// <summary><c>strangler playbook run|status|resume|rollback &lt;playbook&gt; [--dry-run] [--gate-scale F]</c>.</summary>
public static class PlaybookCommand
{
    public static async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken)
    {
        var args = context.Args;
        var verb = args.RequiredWord(1, "what to do: run, status, resume or rollback");
        if (verb is not ("run" or "status" or "resume" or "rollback"))
        {
            throw new CliException($"unknown playbook command '{verb}': run, status, resume or rollback.", ExitCodes.Usage);
        }

        var playbook = Playbook.Load(Playbook.Locate(args.RequiredWord(2, "the playbook (e.g. extract-drivers)"), context.Repo));
        if (!playbook.ServiceUrlGiven)
        {
            playbook = playbook with { ServiceUrl = context.Layout.UrlOf(playbook.Component) };
        }
        var dryRun = args.Flag("dry-run");
        var scale = args.Number("gate-scale", 0.001, 1000) ?? 1;
        args.EnsureAllUsed(3);
        var store = new RunStore(context.Layout.Playbooks);
        if (verb == "status")
        {
            return Status(context, playbook, store);
        }

        using var admin = context.Admin();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var runner = new PlaybookRunner(playbook, admin, new ServiceProbe(http),
            (service, repair, ct) => ReconcileCommand.RunAsync(context, service, repair, ct), store, context.Output, scale);
        if (dryRun)
        {
            if (verb != "run")
            {
                throw new CliException("--dry-run goes with `playbook run`.", ExitCodes.Usage);
            }

            var lines = await runner.DryRunAsync(cancellationToken);
            context.Output.Line($"{playbook.Name} (dry run: nothing is changed): {playbook.Title}");
            foreach (var line in lines)
            {
                context.Output.Line(line);
            }

            context.Output.Result(new { playbook = playbook.Name, dryRun = true, steps = lines });
            context.Output.Summary($"playbook {playbook.Name}: dry run, {lines.Count} steps, nothing changed");
            return ExitCodes.Ok;
        }

        var state = verb switch
        {
            "run" => await runner.RunAsync(cancellationToken),
            "resume" => await runner.ResumeAsync(cancellationToken),
            _ => await runner.RollbackAsync(cancellationToken),
        };
        context.Output.Result(state);
        var failed = state.Steps.FirstOrDefault(s => s.Status == "failed");
        context.Output.Summary($"playbook {playbook.Name}: {state.Status}"
            + (failed is not null ? $" at step {failed.Id}: {failed.Detail}" : "")
            + $" ({state.Steps.Count(s => s.Status == "done")}/{state.Steps.Count} steps done, run {state.RunId})");
        return state.Status == (verb == "rollback" ? "rolled-back" : "done") ? ExitCodes.Ok : ExitCodes.NotMet;
    }

    private static int Status(CliContext context, Playbook playbook, RunStore store)
    {
        var state = store.Load(playbook.Name);
        if (state is null)
        {
            context.Output.Result(new { playbook = playbook.Name, status = "never run" });
            context.Output.Summary($"playbook {playbook.Name}: never run");
            return ExitCodes.Ok;
        }

        context.Output.Result(state);
        context.Output.Table($"{playbook.Name}: run {state.RunId}, {state.Status}", ["step", "status", "started", "ended", "detail"],
            state.Steps.Select(s => (IReadOnlyList<string>)
            [
                s.Id, s.Status, s.StartedAt?.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                s.EndedAt?.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) ?? "-", s.Detail ?? "",
            ]));
        context.Output.Summary($"playbook {playbook.Name}: {state.Status} ({state.Steps.Count(s => s.Status == "done")}/{state.Steps.Count} steps done, run {state.RunId})");
        return ExitCodes.Ok;
    }
}
