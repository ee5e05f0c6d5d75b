using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RideShare.Services.Tests.Handoff;
using StackExchange.Redis;
using RideShare.Services.Tests.Sync;
using static Strangler.Testing.RideShareClient;
using Strangler.Cli.Cli;
using Strangler.Cli.Load;
using Strangler.Cli.Playbooks;
using Strangler.Cli.Stack;

namespace RideShare.Services.Tests.Playbooks;

/// <summary>The handoff stack with no route in place: the playbooks create theirs.</summary>
public sealed class PlaybookStack : HandoffStack
{
    protected override int HandoffWaitMilliseconds => 15_000;

    protected override bool RegisterRoutes => false;
}

/// <summary>
/// The playbook engine against the real stack (proxy, monolith, Drivers and Passengers services, PostgreSQL) while a
/// load generator sends riders' and drivers' requests through the proxy: a whole extraction, a run killed at every
/// step and resumed, gates not met (stop, rollback, wait), a dry run, rollbacks.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class PlaybookEngineTests(PlaybookStack stack) : IClassFixture<PlaybookStack>, IDisposable
{
    private readonly TempDirectory _runs = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private const string Verify = """{ "type": "singleWriter", "forSeconds": 1, "timeoutSeconds": 30 }""";

    private string DriversPlaybook(string name, string steps, string? serviceUrl = null) => $$"""
        {
          "name": "{{name}}", "title": "test",
          "route": { "id": "drivers", "path": "/api/drivers/{**rest}", "shadow": { "ignoredFields": ["total"] } },
          "service": "drivers", "serviceUrl": "{{serviceUrl ?? stack.Drivers.BaseAddress.ToString()}}",
          "steps": [ {{steps}} ]
        }
        """;

    private const string WholeExtraction = """
        { "id": "replicate", "action": { "type": "route" }, "gates": [ { "type": "syncLag", "maxMilliseconds": 2000, "forSeconds": 1, "timeoutSeconds": 60 } ] },
        { "id": "reconcile", "gates": [ { "type": "drift", "timeoutSeconds": 60 } ] },
        { "id": "shadow", "action": { "type": "stage", "stage": "shadow" }, "gates": [ { "type": "shadowParity", "min": 0.99, "minCompared": 10, "timeoutSeconds": 60, "onFailure": "rollback" } ] },
        { "id": "canary-50", "action": { "type": "stage", "stage": "canary", "weight": 50 }, "gates": [ { "type": "errorRate", "max": 0.01, "minRequests": 5, "timeoutSeconds": 60, "onFailure": "rollback" } ] },
        { "id": "reads-100", "action": { "type": "stage", "stage": "service" }, "gates": [ { "type": "errorRate", "max": 0.01, "minRequests": 5, "timeoutSeconds": 60 } ] },
        { "id": "hand-writes-over", "action": { "type": "owner", "owner": "service" } },
        { "id": "verify", "gates": [ { "type": "reverseSync", "maxPending": 50, "forSeconds": 1, "timeoutSeconds": 60 }, { "type": "singleWriter", "forSeconds": 1, "timeoutSeconds": 30 } ] }
        """;

    [Fact]
    public async Task AWholeExtraction_UnderLoad_EndsWithTheServiceOwningDrivers_AndRollsBackToLegacy()
    {
        await using var load = await LoadAsync();
        var playbook = Playbook.Parse(DriversPlaybook("whole", WholeExtraction), "whole.json");
        var (runner, _, _) = Runner(playbook);

        var state = await runner.RunAsync(CancellationToken.None);

        Assert.True(state.Status == "done", Describe(state));
        var route = await RouteAsync();
        Assert.Equal("service", route!.Value.GetProperty("stage").GetString());
        Assert.Equal("service", route.Value.GetProperty("owner").GetString());
        Assert.All(ActionsApplied(playbook, state.RunId), n => Assert.Equal(1, n.Value));

        var back = await runner.RollbackAsync(CancellationToken.None);
        Assert.Equal("rolled-back", back.Status);
        Assert.Null(await RouteAsync());
        Assert.Equal(0, load.Generator.Failed);
    }

    [Fact]
    public async Task ARunKilledAtEveryStep_ResumesThere_AndNoDoneStepsEffectIsRepeated()
    {
        await using var load = await LoadAsync();
        var playbook = Playbook.Parse(DriversPlaybook("killed", $$"""
            { "id": "replicate", "action": { "type": "route" }, "gates": [ { "type": "syncLag", "maxMilliseconds": 2000, "forSeconds": 1, "timeoutSeconds": 60 } ] },
            { "id": "shadow", "action": { "type": "stage", "stage": "shadow" } },
            { "id": "reads-100", "action": { "type": "stage", "stage": "service" } },
            { "id": "hand-writes-over", "action": { "type": "owner", "owner": "service" }, "gates": [ {{Verify}} ] },
            { "id": "verify", "gates": [ {{Verify}} ] }
            """), "killed.json");
        // Killed as each step begins, and while the handoff step checks its gate (its action done).
        var trips = playbook.Steps.Select((s, i) => $"[{i + 1}/{playbook.Steps.Count}] {s.Id}:").Append("ok: hand-writes-over: writes now go to the service").ToList();
        foreach (var trip in trips)
        {
            using var kill = new CancellationTokenSource();
            var (runner, _, _) = Runner(playbook, line => line.StartsWith(trip, StringComparison.Ordinal), kill);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(kill.Token));
            var (resumer, _, _) = Runner(playbook);
            var state = await resumer.ResumeAsync(CancellationToken.None);

            Assert.True(state.Status == "done", $"killed at '{trip}': {Describe(state)}");
            Assert.Equal("service", (await RouteAsync())!.Value.GetProperty("owner").GetString());
            // The step it was killed in may act once more (its effect is idempotent); every step done before it, never.
            var killedAt = trips.IndexOf(trip) is var k && k < playbook.Steps.Count ? k : 3;
            foreach (var (step, count) in ActionsApplied(playbook, state.RunId))
            {
                var index = playbook.Steps.ToList().FindIndex(s => s.Id == step);
                Assert.True(index < killedAt ? count == 1 : count >= 1 && count <= 2, $"killed at '{trip}': {step} applied {count} times");
            }

            Assert.Equal("rolled-back", (await resumer.RollbackAsync(CancellationToken.None)).Status);
            Assert.Null(await RouteAsync());
        }

        Assert.Equal(0, load.Generator.Failed);
    }

    [Fact]
    public async Task ShadowParityNotMet_RollsBack()
    {
        await using var load = await LoadAsync();
        // The "service" answering the drivers route is the Passengers service: every shadow comparison differs.
        var playbook = Playbook.Parse(DriversPlaybook("parity", """
            { "id": "replicate", "action": { "type": "route" } },
            { "id": "shadow", "action": { "type": "stage", "stage": "shadow" }, "gates": [ { "type": "shadowParity", "min": 0.99, "minCompared": 5, "timeoutSeconds": 3, "onFailure": "rollback" } ] }
            """, stack.Passengers.BaseAddress.ToString()), "parity.json");
        var (runner, output, store) = Runner(playbook);

        var state = await runner.RunAsync(CancellationToken.None);

        Assert.Equal("rolled-back", state.Status);
        Assert.Contains("FAILED: shadow: shadow parity ≥ 99%", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("parity 0.0% over", store.Load("parity")!.Steps[1].Detail, StringComparison.Ordinal);
        Assert.Null(await RouteAsync());
    }

    [Fact]
    public async Task ErrorRateNotMet_Stops_ResumeChecksAgain_RollbackWalksBack()
    {
        await using var load = await LoadAsync(failuresExpected: true); // reads sent to a dead service fail: that is what the gate sees
        var dead = $"http://127.0.0.1:{Ports.Free()}/";
        var playbook = Playbook.Parse(DriversPlaybook("errors", """
            { "id": "replicate", "action": { "type": "route" } },
            { "id": "canary", "action": { "type": "stage", "stage": "canary", "weight": 100 }, "gates": [ { "type": "errorRate", "max": 0.01, "minRequests": 3, "timeoutSeconds": 3 } ] }
            """, dead), "errors.json");
        var (runner, _, _) = Runner(playbook);

        var stopped = await runner.RunAsync(CancellationToken.None);
        Assert.Equal("stopped", stopped.Status);
        Assert.Equal("failed", stopped.Steps[1].Status);
        Assert.Contains("gate not met: service error rate", stopped.Steps[1].Detail, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CliException>(() => runner.RunAsync(CancellationToken.None)); // an unfinished run is resumed or rolled back

        var again = await runner.ResumeAsync(CancellationToken.None);
        Assert.Equal("stopped", again.Status);
        Assert.Equal(1, ActionsApplied(playbook, again.RunId)["canary"]); // resuming re-checks the gate; the action stays done

        Assert.Equal("rolled-back", (await runner.RollbackAsync(CancellationToken.None)).Status);
        Assert.Null(await RouteAsync());
    }

    [Fact]
    public async Task DriftNotMet_Stops_RepairedThenResumed_Passes()
    {
        var playbook = Playbook.Parse(DriversPlaybook("drift", """
            { "id": "replicate", "action": { "type": "route" } },
            { "id": "reconcile", "gates": [ { "type": "drift", "timeoutSeconds": 2 } ] }
            """), "drift.json");
        var (runner, _, _) = Runner(playbook);
        await stack.CaughtUpAsync(stack.Drivers);
        var redis = stack.Drivers.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        await redis.HashSetAsync("driver:4", "fullName", "Tampered For The Gate");
        try
        {
            var stopped = await runner.RunAsync(CancellationToken.None);
            Assert.Equal("stopped", stopped.Status);
            Assert.Contains("drift", stopped.Steps[1].Detail, StringComparison.Ordinal);

            Assert.Equal(0, (await ReconcileAsync(Components.Drivers, repair: true, CancellationToken.None)).ExitCode);
            var done = await runner.ResumeAsync(CancellationToken.None);
            Assert.Equal("done", done.Status);
        }
        finally
        {
            await runner.RollbackAsync(CancellationToken.None);
        }

        Assert.Null(await RouteAsync());
    }

    [Fact]
    public async Task SyncLagNotMet_WhileTheServicesSyncIsStalled_Stops()
    {
        var playbook = Playbook.Parse($$"""
            {
              "name": "stalled", "route": { "id": "passengers", "path": "/api/passengers/{**rest}" }, "service": "passengers",
              "serviceUrl": "{{stack.Passengers.BaseAddress}}",
              "steps": [ { "id": "replicate", "action": { "type": "route" }, "gates": [ { "type": "syncLag", "maxMilliseconds": 500, "forSeconds": 2, "timeoutSeconds": 4 } ] } ]
            }
            """, "stalled.json");
        var (runner, _, _) = Runner(playbook);
        await Sql.ExecuteAsync(stack.PassengersConnectionString, "ALTER TABLE passengers.mt_doc_passengerdocument RENAME TO mt_doc_stalled");
        try
        {
            await stack.Monolith.Api.CreatePassengerAsync(); // the sync cannot apply it: nothing newer is applied, the lag only grows
            var state = await runner.RunAsync(CancellationToken.None);
            Assert.True(state.Status == "stopped", (await SyncedStack.StatusAsync(stack.Passengers)).GetRawText() + Describe(state));
            Assert.Contains("gate not met: sync lag ≤ 500 ms for 2 s", state.Steps[0].Detail, StringComparison.Ordinal);
        }
        finally
        {
            await Sql.ExecuteAsync(stack.PassengersConnectionString, "ALTER TABLE passengers.mt_doc_stalled RENAME TO mt_doc_passengerdocument");
            await runner.RollbackAsync(CancellationToken.None);
            await SyncedStack.StreamingAsync(stack.Passengers);
        }
    }

    [Fact]
    public async Task ASingleWriterViolationAfterTheHandoff_FailsTheGateAtOnce()
    {
        // The monolith here assigns drivers in its own transaction (Drivers:Access=Local): after the handoff that is a second writer.
        var (lat, lng) = NewRegion();
        await stack.Monolith.Api.CreateAvailableDriverAsync(lat, lng);
        var passenger = await stack.Monolith.Api.CreatePassengerAsync();
        await stack.CaughtUpAsync(stack.Drivers);
        var playbook = Playbook.Parse(DriversPlaybook("violated", """
            { "id": "replicate", "action": { "type": "route" } },
            { "id": "reads-100", "action": { "type": "stage", "stage": "service" } },
            { "id": "hand-writes-over", "action": { "type": "owner", "owner": "service" }, "gates": [ { "type": "singleWriter", "forSeconds": 120, "timeoutSeconds": 180 } ] }
            """), "violated.json");
        var (runner, output, _) = Runner(playbook);
        try
        {
            var running = runner.RunAsync(CancellationToken.None);
            await Eventually.TrueAsync(() => Task.FromResult(output.ToString().Contains("ok: hand-writes-over: writes now go to the service", StringComparison.Ordinal) || running.IsCompleted),
                "the handoff", 60_000);
            await ReadAsync(await stack.Monolith.Api.RequestTripAsync(passenger, lat, lng), System.Net.HttpStatusCode.Created); // writes the driver's row in legacy

            var state = await running;
            Assert.Equal("stopped", state.Status);
            Assert.Contains("legacy writes bypassed the owner (single-writer violations)", state.Steps[2].Detail, StringComparison.Ordinal);
        }
        finally
        {
            Assert.Equal("rolled-back", (await runner.RollbackAsync(CancellationToken.None)).Status);
        }
    }

    [Fact]
    public async Task AGateThatWaits_KeepsWaitingPastItsTimeout_UntilItIsMet()
    {
        var playbook = Playbook.Parse(DriversPlaybook("waits", """
            { "id": "replicate", "action": { "type": "route" } },
            { "id": "reads", "action": { "type": "stage", "stage": "service" }, "gates": [ { "type": "errorRate", "max": 0.01, "minRequests": 5, "timeoutSeconds": 1, "onFailure": "wait" } ] }
            """), "waits.json");
        var (runner, output, _) = Runner(playbook);
        try
        {
            var running = runner.RunAsync(CancellationToken.None);
            // No traffic, so too few samples: the gate does not pass, and says it is still waiting.
            await Eventually.TrueAsync(() => Task.FromResult(output.ToString().Contains("still waiting for service error rate", StringComparison.Ordinal)), "the gate to wait");
            Assert.False(running.IsCompleted);
            for (var i = 0; !running.IsCompleted && i < 200; i++)
            {
                (await stack.Public.GetAsync("/api/drivers/1")).EnsureSuccessStatusCode();
            }

            Assert.Equal("done", (await running).Status);
        }
        finally
        {
            await runner.RollbackAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ADryRun_SaysWhatEachStepWouldChange_AndChangesNothing()
    {
        var playbook = Playbook.Parse(DriversPlaybook("dry", WholeExtraction), "dry.json");
        var (runner, _, store) = Runner(playbook);
        var before = (await stack.Admin.GetFromJsonAsync<JsonElement>("/admin/routes")).GetRawText();

        var lines = await runner.DryRunAsync(CancellationToken.None);

        Assert.Equal((await stack.Admin.GetFromJsonAsync<JsonElement>("/admin/routes")).GetRawText(), before);
        Assert.Null(store.Load("dry"));
        Assert.Equal(playbook.Steps.Count, lines.Count);
        Assert.StartsWith("replicate: create route 'drivers' /api/drivers/{**rest} → ", lines[0], StringComparison.Ordinal);
        Assert.Contains("canary-50: stage of 'drivers': shadow → canary 50%", string.Join('\n', lines), StringComparison.Ordinal);
        Assert.Contains("hand-writes-over: hand the writes of 'drivers' over: legacy → service", string.Join('\n', lines), StringComparison.Ordinal);
    }

    private (PlaybookRunner Runner, StringWriter Output, RunStore Store) Runner(Playbook playbook, Func<string, bool>? killWhen = null, CancellationTokenSource? kill = null)
    {
        var text = new StringWriter();
        TextWriter writer = killWhen is null ? TextWriter.Synchronized(text) : new TripWriter(text, killWhen, kill!);
        var admin = new ProxyAdmin(stack.Admin.BaseAddress!, HandoffStack.Token);
        var store = new RunStore(_runs.Path);
        return (new PlaybookRunner(playbook, admin, new ServiceProbe(_http), ReconcileAsync, store, new Output(writer, writer, OutputMode.Plain),
            pollInterval: TimeSpan.FromMilliseconds(200)), text, store);
    }

    /// <summary>The service's own reconcile command, as a child process, against this stack's stores.</summary>
    private async Task<(int ExitCode, IReadOnlyList<string> Output)> ReconcileAsync(Component service, bool repair, CancellationToken cancellationToken)
    {
        string[] command = repair ? ["reconcile", "--repair"] : ["reconcile"];
        using var process = AppProcess.Start(service.Assembly, service.Name == "drivers" ? stack.DriversArgs(command) : stack.PassengersArgs(command));
        await process.WaitForExitAsync();
        return (process.ExitCode, [.. process.Lines, .. process.Errors]);
    }

    private async Task<JsonElement?> RouteAsync()
    {
        var response = await stack.Admin.GetAsync("/admin/routes/drivers");
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : null;
    }

    /// <summary>How often each step's action took effect in run <paramref name="runId"/> (its audit log).</summary>
    private Dictionary<string, int> ActionsApplied(Playbook playbook, string runId) =>
        File.ReadLines(new RunStore(_runs.Path).AuditPath(playbook.Name))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("runId").GetString() == runId && e.GetProperty("event").GetString() == "action-applied")
            .GroupBy(e => e.GetProperty("step").GetString()!)
            .ToDictionary(g => g.Key, g => g.Count());

    private static string Describe(RunState state) =>
        $"{state.Status}: " + string.Join("; ", state.Steps.Select(s => $"{s.Id} {s.Status} {s.Detail}"));

    private async Task<RunningLoad> LoadAsync(bool failuresExpected = false)
    {
        // These runs move reads from legacy to the service within a second, with no gate in between: a driver signed up just
        // before is not covered by read-your-writes (docs/proxy.md), so sign-ups are not read back here.
        var generator = new LoadGenerator(stack.Public, new LoadOptions(Rate: 40, Riders: 0, Drivers: 4, Workers: 4, ReadOwnSignUps: false));
        await generator.SetupAsync(CancellationToken.None);
        var stop = new CancellationTokenSource();
        return new RunningLoad(generator, generator.RunAsync(stop.Token), stop, failuresExpected);
    }

    private sealed record RunningLoad(LoadGenerator Generator, Task Running, CancellationTokenSource Stop, bool FailuresExpected) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Stop.CancelAsync();
            await Running;
            Stop.Dispose();
            Assert.True(FailuresExpected || Generator.Failed == 0, string.Join("\n", Generator.FailureSamples));
        }
    }

    /// <summary>Output that "kills" the run (cancels it) once a line it is waiting for is written.</summary>
    private sealed class TripWriter(StringWriter inner, Func<string, bool> trip, CancellationTokenSource kill) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void WriteLine(string? value)
        {
            lock (inner)
            {
                inner.WriteLine(value);
            }

            if (value is not null && trip(value))
            {
                kill.Cancel();
            }
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _runs.Dispose();
    }
}
