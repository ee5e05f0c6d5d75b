using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Strangler.Cli.Cli;
using Strangler.Cli.Stack;

namespace Strangler.Cli.Playbooks;

/// <summary>Runs a service's reconcile: its exit code (0 no drift, 2 drift, 1 error) and output lines.</summary>
public delegate Task<(int ExitCode, IReadOnlyList<string> Output)> Reconcile(Component service, bool repair, CancellationToken cancellationToken);

/// <summary>
/// Executes a playbook's steps against the running stack — the proxy's admin API for route, stage and owner changes,
/// the service's /sync/status and reconcile for gates — persisting the run after every transition so a killed run
/// resumes at the step it was in without repeating a done step's effect, and walking executed steps back on rollback.
/// </summary>
public sealed class PlaybookRunner(
    Playbook playbook, ProxyAdmin proxy, ServiceProbe probe, Reconcile reconcile, RunStore store, Output output,
    double gateScale = 1, TimeSpan? pollInterval = null)
{
    private readonly TimeSpan _poll = pollInterval ?? TimeSpan.FromSeconds(1);

    /// <summary>Starts a new run; refused while an unfinished one exists.</summary>
    public async Task<RunState> RunAsync(CancellationToken cancellationToken)
    {
        using var held = store.Lock(playbook.Name);
        if (store.Load(playbook.Name) is { Finished: false } unfinished)
        {
            throw new CliException(
                $"a run of {playbook.Name} is {unfinished.Status} at step '{Current(unfinished)?.Id}': `strangler playbook resume {playbook.Name}` or `strangler playbook rollback {playbook.Name}`.");
        }

        var state = new RunState
        {
            Playbook = playbook.Name,
            RunId = $"{DateTimeOffset.UtcNow:yyyyMMddTHHmmssZ}-{Guid.NewGuid().ToString("N")[..6]}",
            StartedAt = DateTimeOffset.UtcNow,
            Steps = playbook.Steps.Select(s => new StepState { Id = s.Id }).ToList(),
        };
        store.Save(state);
        store.Audit(state, null, "run-started", $"{playbook.Title} ({playbook.Steps.Count} steps, gate scale {gateScale.ToString(CultureInfo.InvariantCulture)})");
        return await ContinueAsync(state, cancellationToken);
    }

    /// <summary>Continues the unfinished run at the step it was in.</summary>
    public async Task<RunState> ResumeAsync(CancellationToken cancellationToken)
    {
        using var held = store.Lock(playbook.Name);
        var state = store.Load(playbook.Name) ?? throw new CliException($"no run of {playbook.Name} to resume: `strangler playbook run {playbook.Name}`.");
        if (state.Finished)
        {
            throw new CliException($"the last run of {playbook.Name} is {state.Status}: nothing to resume (`strangler playbook run {playbook.Name}` starts a new one).");
        }

        if (state.Status == "rolling-back")
        {
            throw new CliException($"the run of {playbook.Name} was rolling back: finish it with `strangler playbook rollback {playbook.Name}`.");
        }

        if (state.Steps.Select(s => s.Id).SequenceEqual(playbook.Steps.Select(s => s.Id)) is false)
        {
            throw new CliException($"the playbook's steps changed since run {state.RunId} started: roll it back first (`strangler playbook rollback {playbook.Name}`).");
        }

        state.Status = "running";
        store.Save(state);
        store.Audit(state, Current(state)?.Id, "resumed", "");
        return await ContinueAsync(state, cancellationToken);
    }

    /// <summary>Walks the executed steps back, newest first (also finishes an interrupted rollback).</summary>
    public async Task<RunState> RollbackAsync(CancellationToken cancellationToken)
    {
        using var held = store.Lock(playbook.Name);
        var state = store.Load(playbook.Name) ?? throw new CliException($"no run of {playbook.Name} to roll back.");
        if (state.Status == "rolled-back")
        {
            output.Line($"{playbook.Name}: run {state.RunId} is already rolled back.");
            return state;
        }

        return await RollbackCoreAsync(state, "asked for", cancellationToken);
    }

    /// <summary>What each step would change, against the route as it is now. Changes nothing.</summary>
    public async Task<IReadOnlyList<string>> DryRunAsync(CancellationToken cancellationToken)
    {
        var route = await proxy.RouteAsync(playbook.RouteId, cancellationToken);
        var exists = route is not null;
        var stage = route is { } r ? r.GetProperty("stage").GetString()! : "legacy";
        var weight = route is { } w && w.TryGetProperty("weight", out var wt) && wt.ValueKind == JsonValueKind.Number ? wt.GetInt32() : 0;
        var owner = route is { } o && o.TryGetProperty("owner", out var ow) ? ow.GetString()! : "legacy";
        var lines = new List<string>();
        foreach (var step in playbook.Steps)
        {
            var change = step.Action?.Type switch
            {
                null => "no change",
                "route" => exists
                    ? $"route '{playbook.RouteId}' exists (stage {stage}): no change"
                    : $"create route '{playbook.RouteId}' {playbook.RoutePath} → {playbook.ServiceUrl} at stage legacy (undo: delete it)",
                "stage" => $"stage of '{playbook.RouteId}': {Describe(stage, weight)} → {Describe(step.Action.Stage!, step.Action.Weight ?? 0)}",
                "owner" => owner == step.Action.Owner
                    ? $"writes of '{playbook.RouteId}' are already {owner}'s: no change"
                    : $"hand the writes of '{playbook.RouteId}' over: {owner} → {step.Action.Owner} (LSN-fenced handoff; undo: hand them back)",
                _ => $"run `{playbook.Service} reconcile{(step.Action.Repair ? " --repair" : "")}` ({(step.Action.Repair ? "writes the legacy state of drifted keys into the service's store" : "reads only")})",
            };
            if (step.Action?.Type == "route")
            {
                exists = true;
            }
            else if (step.Action?.Type == "stage")
            {
                (stage, weight) = (step.Action.Stage!, step.Action.Weight ?? 0);
            }
            else if (step.Action?.Type == "owner")
            {
                owner = step.Action.Owner!;
            }

            lines.Add($"{step.Id}: {change}" + string.Concat(step.Gates.Select(g => $"; gate: {g.Scaled(gateScale).Describe()}")));
        }

        return lines;
    }

    private static string Describe(string stage, int weight) => stage == "canary" ? $"canary {weight}%" : stage;

    private static StepState? Current(RunState state) => state.Steps.FirstOrDefault(s => s.Status != "done");

    private async Task<RunState> ContinueAsync(RunState state, CancellationToken cancellationToken)
    {
        for (var i = 0; i < playbook.Steps.Count; i++)
        {
            var step = playbook.Steps[i];
            var at = state.Steps[i];
            if (at.Status == "done")
            {
                continue;
            }

            at.StartedAt ??= DateTimeOffset.UtcNow;
            output.Line($"[{i + 1}/{playbook.Steps.Count}] {step.Id}: {step.Title}");
            if (step.Action is { } action && !at.ActionApplied)
            {
                // What to restore is read once, before the first attempt: a resumed step keeps the state from before it.
                at.Undo ??= await CaptureUndoAsync(action, cancellationToken);
                at.Status = "acting";
                store.Save(state);
                store.Audit(state, step.Id, "action-started", Describe(action));
                var (applied, detail) = await ActAsync(action, cancellationToken);
                if (!applied)
                {
                    return await FailAsync(state, step, at, detail, OnFailure.Stop, cancellationToken);
                }

                at.ActionApplied = true;
                store.Audit(state, step.Id, "action-applied", detail);
                output.Outcome(true, $"{step.Id}: {detail}");
            }

            at.Status = "gating";
            store.Save(state);
            foreach (var gate in step.Gates.Select(g => g.Scaled(gateScale)))
            {
                var (met, detail) = await CheckAsync(gate, cancellationToken);
                store.Audit(state, step.Id, met ? "gate-met" : "gate-not-met", $"{gate.Describe()}: {detail}");
                output.Outcome(met, $"{step.Id}: {gate.Describe()}: {detail}");
                if (!met)
                {
                    return await FailAsync(state, step, at, $"gate not met: {gate.Describe()}: {detail}", gate.OnFailure, cancellationToken);
                }
            }

            at.Status = "done";
            at.EndedAt = DateTimeOffset.UtcNow;
            at.Detail = null;
            store.Save(state);
            store.Audit(state, step.Id, "step-done", "");
        }

        state.Status = "done";
        store.Save(state);
        store.Audit(state, null, "run-done", "");
        return state;
    }

    private async Task<RunState> FailAsync(RunState state, PlaybookStep step, StepState at, string detail, OnFailure onFailure, CancellationToken cancellationToken)
    {
        at.Status = "failed";
        at.Detail = detail;
        state.Status = "stopped";
        store.Save(state);
        store.Audit(state, step.Id, "step-failed", detail);
        return onFailure == OnFailure.Rollback ? await RollbackCoreAsync(state, $"step {step.Id} failed: {detail}", cancellationToken) : state;
    }

    private async Task<RunState> RollbackCoreAsync(RunState state, string why, CancellationToken cancellationToken)
    {
        state.Status = "rolling-back";
        store.Save(state);
        store.Audit(state, null, "rollback-started", why);
        output.Line($"rolling {playbook.Name} back ({why})");
        for (var i = state.Steps.Count - 1; i >= 0; i--)
        {
            var at = state.Steps[i];
            // A step whose action started may have taken effect (the process died in it): its undo restores the state before it.
            if (at.Status is "pending" or "rolled-back" || at.Undo is null || (!at.ActionApplied && at.Status != "acting" && at.Status != "failed"))
            {
                if (at.Status != "pending")
                {
                    at.Status = "rolled-back";
                }

                continue;
            }

            var detail = await UndoAsync(at.Undo, cancellationToken);
            at.Status = "rolled-back";
            at.ActionApplied = false;
            store.Save(state);
            store.Audit(state, at.Id, "step-rolled-back", detail);
            output.Outcome(true, $"{at.Id}: {detail}");
        }

        state.Status = "rolled-back";
        store.Save(state);
        store.Audit(state, null, "rollback-done", "");
        return state;
    }

    private string Describe(StepAction action) => action.Type switch
    {
        "route" => $"ensure route {playbook.RouteId}",
        "stage" => $"stage {Describe(action.Stage!, action.Weight ?? 0)}",
        "owner" => $"hand writes to {action.Owner}",
        _ => $"reconcile{(action.Repair ? " --repair" : "")}",
    };

    private async Task<Undo> CaptureUndoAsync(StepAction action, CancellationToken cancellationToken)
    {
        var route = await proxy.RouteAsync(playbook.RouteId, cancellationToken);
        return action.Type switch
        {
            "route" => route is null ? new Undo("delete-route") : new Undo("none"),
            "stage" => route is { } r
                ? new Undo("stage", r.GetProperty("stage").GetString(), r.TryGetProperty("weight", out var w) && w.ValueKind == JsonValueKind.Number ? w.GetInt32() : null)
                : new Undo("stage", "legacy"),
            "owner" => new Undo("owner", Owner: route is { } o && o.TryGetProperty("owner", out var owner) ? owner.GetString() : "legacy"),
            _ => new Undo("none"),
        };
    }

    private async Task<(bool Applied, string Detail)> ActAsync(StepAction action, CancellationToken cancellationToken)
    {
        var reason = $"playbook {playbook.Name}";
        switch (action.Type)
        {
            case "route":
                if (await proxy.RouteAsync(playbook.RouteId, cancellationToken) is not null)
                {
                    return (true, $"route {playbook.RouteId} is in place");
                }

                var route = new Dictionary<string, object>
                {
                    ["path"] = playbook.RoutePath, ["destinations"] = new[] { playbook.ServiceUrl.ToString() }, ["stage"] = "legacy",
                };
                if (playbook.RouteShadow is { } shadow)
                {
                    route["shadow"] = shadow; // absent, not null: the proxy keeps its default
                }

                await proxy.PutRouteAsync(playbook.RouteId, route, reason, cancellationToken);
                return (true, $"route {playbook.RouteId} created: {playbook.RoutePath} → {playbook.ServiceUrl}, stage legacy");
            case "stage":
                await proxy.StageAsync(playbook.RouteId, action.Stage!, action.Stage == "canary" ? action.Weight : null, reason, cancellationToken);
                return (true, $"route {playbook.RouteId} at {Describe(action.Stage!, action.Weight ?? 0)}");
            case "owner":
                var (done, report, detail) = await proxy.OwnerAsync(playbook.RouteId, action.Owner!, reason, cancellationToken);
                return (done, done
                    ? $"{detail} (writes held {report.GetProperty("holdMilliseconds").GetDouble():0.#} ms)"
                    : $"handoff {report.GetProperty("outcome").GetString()}: {detail}");
            default:
                var (code, lines) = await reconcile(playbook.Component, action.Repair, cancellationToken);
                return (code == 0, $"reconcile{(action.Repair ? " --repair" : "")}: {(code == 0 ? "no drift" : code == 2 ? "drift" : "error")}: {Summarise(lines)}");
        }
    }

    private async Task<string> UndoAsync(Undo undo, CancellationToken cancellationToken)
    {
        var reason = $"playbook {playbook.Name} rollback";
        switch (undo.Kind)
        {
            case "delete-route":
                if (await proxy.RouteAsync(playbook.RouteId, cancellationToken) is { } route && route.TryGetProperty("owner", out var o) && o.GetString() == "service")
                {
                    throw new CliException($"route {playbook.RouteId} is still written by the service: hand its writes back before deleting it.");
                }

                if (await proxy.RouteAsync(playbook.RouteId, cancellationToken) is not null)
                {
                    await proxy.DeleteRouteAsync(playbook.RouteId, reason, cancellationToken);
                }

                return $"route {playbook.RouteId} deleted";
            case "stage":
                if (undo.Stage is null or "legacy")
                {
                    await proxy.RollbackAsync(playbook.RouteId, reason, cancellationToken);
                    return $"route {playbook.RouteId} back at legacy";
                }

                await proxy.StageAsync(playbook.RouteId, undo.Stage, undo.Stage == "canary" ? undo.Weight ?? 0 : null, reason, cancellationToken);
                return $"route {playbook.RouteId} back at {Describe(undo.Stage, undo.Weight ?? 0)}";
            case "owner":
                var (done, _, detail) = await proxy.OwnerAsync(playbook.RouteId, undo.Owner ?? "legacy", reason, cancellationToken);
                return done ? $"writes back with {undo.Owner}: {detail}" : throw new CliException($"handing the writes of {playbook.RouteId} back failed: {detail} — run the rollback again.");
            default:
                return "nothing to undo";
        }
    }

    private async Task<(bool Met, string Detail)> CheckAsync(Gate gate, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(gate.TimeoutSeconds);
        var started = Stopwatch.GetTimestamp();
        var nextReport = timeout;
        var baseline = await CountersAsync(cancellationToken);
        long? okSince = null;
        long? baselineViolations = null;
        while (true)
        {
            string detail;
            bool met;
            try
            {
                (met, detail, var failedAtOnce) = await CheckOnceAsync();
                if (failedAtOnce)
                {
                    return (false, detail);
                }
            }
            catch (CliException e)
            {
                // A service or the proxy unreachable for a moment (restarting) is a gate not met yet, not the end of the run.
                (met, detail, okSince) = (false, e.Message, null);
            }

            if (met)
            {
                return (true, detail);
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            if (elapsed >= timeout)
            {
                if (gate.OnFailure != OnFailure.Wait)
                {
                    return (false, $"{detail} after {gate.TimeoutSeconds} s");
                }

                if (elapsed >= nextReport)
                {
                    output.Line($"still waiting for {gate.Describe()}: {detail}");
                    nextReport += timeout;
                }
            }

            await Task.Delay(_poll, cancellationToken);
        }

        async Task<(bool Met, string Detail, bool FailedAtOnce)> CheckOnceAsync()
        {
            string detail;
            bool met;
            switch (gate.Type)
            {
                case "syncLag":
                    {
                        var status = await probe.StatusAsync(playbook.ServiceUrl, cancellationToken);
                        var state = status.GetProperty("state").GetString();
                        double? lag = status.TryGetProperty("lagMilliseconds", out var l) && l.ValueKind == JsonValueKind.Number ? l.GetDouble() : null;
                        var ok = state == "streaming" && lag is { } value && value <= gate.MaxMilliseconds;
                        okSince = ok ? okSince ?? Stopwatch.GetTimestamp() : null;
                        var held = okSince is { } since ? Stopwatch.GetElapsedTime(since).TotalSeconds : 0;
                        met = ok && held >= gate.ForSeconds;
                        detail = $"{state}, lag {(lag is { } x ? $"{x:0} ms" : "unknown")}, within the limit for {held:0.#} s";
                        break;
                    }

                case "shadowParity":
                    {
                        var now = await CountersAsync(cancellationToken);
                        var matches = now.Matches - baseline.Matches;
                        var compared = matches + now.Mismatches - baseline.Mismatches;
                        var parity = compared == 0 ? 0 : (double)matches / compared;
                        met = compared >= gate.MinCompared && parity >= gate.Min;
                        detail = $"parity {parity * 100:0.0}% over {compared} compared";
                        break;
                    }

                case "errorRate":
                    {
                        var now = await CountersAsync(cancellationToken);
                        var requests = now.ServiceRequests - baseline.ServiceRequests;
                        var errors = now.ServiceErrors - baseline.ServiceErrors;
                        var rate = requests == 0 ? 0 : (double)errors / requests;
                        met = requests >= gate.MinRequests && rate <= gate.Max;
                        detail = $"{errors} errors in {requests} service requests ({rate * 100:0.00}%)";
                        break;
                    }

                case "reverseSync":
                    {
                        var status = await probe.StatusAsync(playbook.ServiceUrl, cancellationToken);
                        var reverse = status.TryGetProperty("reverse", out var r) && r.ValueKind == JsonValueKind.Object ? r : default;
                        var state = reverse.ValueKind == JsonValueKind.Object ? reverse.GetProperty("state").GetString() : "absent";
                        var pending = reverse.ValueKind == JsonValueKind.Object ? reverse.GetProperty("pending").GetInt64() : -1;
                        var ok = state == "running" && pending >= 0 && pending <= gate.MaxPending;
                        okSince = ok ? okSince ?? Stopwatch.GetTimestamp() : null;
                        var held = okSince is { } since ? Stopwatch.GetElapsedTime(since).TotalSeconds : 0;
                        met = ok && held >= gate.ForSeconds;
                        detail = $"reverse sync {state}, {pending} pending, within the limit for {held:0.#} s";
                        break;
                    }

                case "singleWriter":
                    {
                        var status = await probe.StatusAsync(playbook.ServiceUrl, cancellationToken);
                        var violations = status.GetProperty("singleWriterViolations").GetInt64();
                        baselineViolations ??= violations;
                        var fresh = violations - baselineViolations.Value;
                        if (fresh > 0)
                        {
                            return (false, $"{fresh} legacy writes bypassed the owner (single-writer violations) — see the service's log", true);
                        }

                        // Violations are only counted by a service that knows it owns the writes (it forgets on restart until
                        // the proxy tells it again): a service that does not agree with the route is not watching.
                        var serviceSays = status.GetProperty("owner").GetString();
                        var routeSays = await proxy.RouteAsync(playbook.RouteId, cancellationToken) is { } route && route.TryGetProperty("owner", out var o)
                            ? o.GetString() : "legacy";
                        var agree = serviceSays == routeSays;
                        okSince = agree ? okSince ?? Stopwatch.GetTimestamp() : null;
                        var watched = okSince is { } since ? Stopwatch.GetElapsedTime(since).TotalSeconds : 0;
                        met = agree && watched >= gate.ForSeconds;
                        detail = agree
                            ? $"owner {serviceSays}, no violation for {watched:0.#} s"
                            : $"the service says its writes are owned by {serviceSays}, the route says {routeSays} (the proxy tells it again every few seconds)";
                        break;
                    }

                default:
                    {
                        var (code, lines) = await reconcile(playbook.Component, false, cancellationToken);
                        met = code == 0;
                        detail = $"{(code == 0 ? "no drift" : code == 2 ? "drift" : "reconcile failed")}: {Summarise(lines)}";
                        break;
                    }
            }

            return (met, detail, false);
        }
    }

    private readonly record struct Counters(long Matches, long Mismatches, long ServiceRequests, long ServiceErrors);

    /// <summary>The route's shadow comparisons and service requests/errors so far (the proxy's /admin/stats).</summary>
    private async Task<Counters> CountersAsync(CancellationToken cancellationToken)
    {
        var stats = await proxy.StatsAsync(cancellationToken);
        var route = stats.GetProperty("routes").EnumerateArray().FirstOrDefault(r => r.GetProperty("id").GetString() == playbook.RouteId);
        if (route.ValueKind != JsonValueKind.Object)
        {
            return default;
        }

        long matches = 0, mismatches = 0, requests = 0, errors = 0;
        if (route.TryGetProperty("shadow", out var shadow) && shadow.ValueKind == JsonValueKind.Object)
        {
            matches = shadow.GetProperty("matches").GetInt64();
            mismatches = shadow.GetProperty("mismatches").GetInt64() + shadow.GetProperty("serviceErrors").GetInt64();
        }

        if (route.TryGetProperty("backends", out var backends) && backends.TryGetProperty("service", out var service))
        {
            requests = service.GetProperty("requests").GetInt64();
            errors = service.GetProperty("status").GetProperty("5xx").GetInt64() + service.GetProperty("transportErrors").GetInt64();
        }

        return new Counters(matches, mismatches, requests, errors);
    }

    private static string Summarise(IReadOnlyList<string> lines)
    {
        var useful = lines.Where(l => !l.StartsWith('[')).ToList(); // log lines ([hh:mm:ss INF] …) are not the result
        return useful.Count == 0 ? "(no output)" : string.Join(" / ", useful.Take(3)) + (useful.Count > 3 ? " …" : "");
    }
}
