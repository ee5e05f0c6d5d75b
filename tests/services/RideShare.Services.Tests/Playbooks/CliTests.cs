using System.Text.Json;
using System.Text.RegularExpressions;
using Strangler.Cli.Cli;
using Strangler.Cli.Playbooks;

namespace RideShare.Services.Tests.Playbooks;

/// <summary>Playbooks are checked whole before anything runs: each problem is one line naming the step and the field.</summary>
public sealed class PlaybookFileTests
{
    private const string Step = """{ "id": "s", "action": { "type": "route" } }""";

    private static string With(string steps, string route = """{ "id": "drivers", "path": "/api/drivers/{**rest}" }""", string service = "drivers") =>
        $$"""{ "name": "t", "route": {{route}}, "service": "{{service}}", "steps": [ {{steps}} ] }""";

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("""{ "name": "t", "route": { "id": "r", "path": "/x" }, "service": "drivers", "steps": [] }""", "steps: a playbook needs at least one step")]
    [InlineData("""{ "name": "t", "route": { "id": "r", "path": "/x" }, "service": "billing", "steps": [] }""", "service: 'billing' is not one of drivers, passengers, trips")]
    [InlineData("""{ "name": "t", "route": { "id": "r", "path": "/x" }, "service": "drivers", "steps": [ { "id": "s", "action": { "type": "route" } } ], "extra": 1 }""", "extra: unknown field")]
    public void WholeFileProblems_AreOneLine(string json, string expected)
    {
        var e = Assert.Throws<CliException>(() => Playbook.Parse(json, "t.json"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("playbook t.json: ", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("; nothing was run.", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("""{ "id": "a", "action": { "type": "stage", "stage": "canary" } }""", "step 'a' (steps[0]): action.weight: required with stage canary (0–100)")]
    [InlineData("""{ "id": "a", "action": { "type": "stage", "stage": "service", "weight": 5 } }""", "step 'a' (steps[0]): action.weight: only with stage canary")]
    [InlineData("""{ "id": "a", "action": { "type": "stage", "stage": "live" } }""", "step 'a' (steps[0]): action.stage: 'live' is not one of legacy, shadow, canary, service")]
    [InlineData("""{ "id": "a", "action": { "type": "teleport" } }""", "step 'a' (steps[0]): action.type: 'teleport' is not one of route, stage, owner, reconcile")]
    [InlineData("""{ "id": "a", "action": { "type": "owner", "owner": "both" } }""", "action.owner: 'both' is not one of legacy, service")]
    [InlineData("""{ "id": "a", "gates": [ { "type": "syncLag", "maxMilliseconds": 100, "forSeconds": 5 } ] }""", "step 'a' (steps[0]): gates[0].timeoutSeconds: required")]
    [InlineData("""{ "id": "a", "gates": [ { "type": "shadowParity", "min": 1.5, "minCompared": 5, "timeoutSeconds": 5 } ] }""", "gates[0].min: must be a number from 0 to 1")]
    [InlineData("""{ "id": "a", "gates": [ { "type": "errorRate", "max": 0.1, "minRequests": 5, "timeoutSeconds": 5, "onFailure": "ignore" } ] }""", "gates[0].onFailure: 'ignore' is not one of stop, rollback, wait")]
    [InlineData("""{ "id": "a", "gates": [ { "type": "drift", "timeoutSeconds": 5, "max": 3 } ] }""", "gates[0].max: unknown field (allowed: type, timeoutSeconds, onFailure)")]
    [InlineData("""{ "id": "a" }""", "step 'a' (steps[0]): a step needs an action, gates, or both")]
    [InlineData("""{ "id": "a", "action": null, "gates": null }""", "step 'a' (steps[0]): a step needs an action, gates, or both")]
    [InlineData("""{ "id": "a", "gates": [ { "type": "drift", "timeoutSeconds": null } ] }""", "step 'a' (steps[0]): gates[0].timeoutSeconds: required")]
    [InlineData("""{ "id": "a", "gates": [ { "type": "drift", "timeoutSeconds": 2147483648 } ] }""", "gates[0].timeoutSeconds: must be a whole number from 1 to 86400")]
    [InlineData("""{ "id": "a\u0001", "action": { "type": "route" } }""", "id: 1 or more letters, digits")]
    [InlineData("""{ "id": "s", "action": { "type": "route" } }, { "id": "s", "action": { "type": "route" } }""", "step 's' (steps[1]): id: another step has this id")]
    [InlineData("""{ "action": { "type": "route" } }""", "steps[0]: id: required")]
    [InlineData("""{ "id": "c", "action": { "type": "stage", "stage": "canary", "weight": 50 } }, { "id": "w", "action": { "type": "owner", "owner": "service" } }""",
        "step 'w' (steps[1]): action.owner: writes move after reads, but an earlier step leaves reads at canary")]
    [InlineData("""{ "id": "r", "action": { "type": "stage", "stage": "service" } }, { "id": "w", "action": { "type": "owner", "owner": "service" } }, { "id": "c", "action": { "type": "stage", "stage": "canary", "weight": 5 } }""",
        "step 'c' (steps[2]): action.stage: an earlier step hands the writes to the service")]
    public void StepProblems_NameTheStepAndTheField(string steps, string expected)
    {
        var e = Assert.Throws<CliException>(() => Playbook.Parse(With(steps), "t.json"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheShippedPlaybooks_AreValid()
    {
        var folder = Path.Combine(Strangler.Cli.Stack.Repo.Root(AppContext.BaseDirectory), "migration-playbooks");
        var files = Directory.GetFiles(folder, "*.json");
        Assert.Contains(files, f => f.EndsWith("extract-drivers.json", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var playbook = Playbook.Load(file);
            Assert.Equal(Path.GetFileNameWithoutExtension(file), playbook.Name);
            Assert.True(File.Exists(Path.ChangeExtension(file, ".md")), $"{file} has its page for people");
        }

        var parsed = Playbook.Parse(With(Step), "t.json");
        Assert.Equal(("t", "drivers", "route"), (parsed.Name, parsed.RouteId, parsed.Steps.Single().Action!.Type));
    }
}

/// <summary><c>strangler</c> as users run it: a child process; exit codes; one-line errors; plain and JSON output.</summary>
public sealed class CliTests : IDisposable
{
    private readonly TempDirectory _data = new();

    [Fact]
    public async Task NoCommand_PrintsUsage_Exit64()
    {
        var (exit, output, _) = await RunAsync();
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("strangler demo [--exit]", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "frobnicate" }, 64, "error: unknown command 'frobnicate' (see: strangler help).")]
    [InlineData(new[] { "playbook", "run", "no-such-playbook" }, 64, "error: no playbook 'no-such-playbook' (known: ")]
    [InlineData(new[] { "route", "stage", "drivers", "canary", "--weight", "500" }, 64, "error: --weight must be a number from 0 to 100, not '500'.")]
    [InlineData(new[] { "reconcile", "billing" }, 64, "error: unknown service 'billing': one of drivers, passengers, trips.")]
    [InlineData(new[] { "status", "--colour" }, 64, "error: unknown option --colour (see: strangler help).")]
    [InlineData(new[] { "route", "list" }, 1, "error: no admin token: set STRANGLER_ADMIN_TOKEN")]
    public async Task BadInput_IsOneLineOnStandardError_WithItsExitCode(string[] args, int code, string expected)
    {
        var (exit, output, errors) = await RunAsync(args);
        Assert.Equal(code, exit);
        Assert.StartsWith(expected, errors, StringComparison.Ordinal);
        Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("", output);
    }

    [Fact]
    public async Task AMalformedPlaybook_IsRefusedBeforeAnythingRuns()
    {
        var file = Path.Combine(_data.Path, "broken.json");
        await File.WriteAllTextAsync(file, """{ "name": "broken", "route": { "id": "drivers", "path": "/api/drivers/{**rest}" }, "service": "drivers", "steps": [ { "id": "go", "action": { "type": "stage", "stage": "canary", "weight": 101 } } ] }""");

        var (exit, _, errors) = await RunAsync("playbook", "run", file);

        Assert.Equal(ExitCodes.Error, exit);
        Assert.Equal("error: playbook broken.json: step 'go' (steps[0]): action.weight: must be a whole number from 0 to 100; nothing was run.", errors.Trim());
        Assert.False(Directory.Exists(Path.Combine(_data.Path, "playbooks")), "no run state was written");
    }

    [Fact]
    public async Task Json_IsOneParseableDocument()
    {
        var (exit, output, _) = await RunAsync("playbook", "status", "extract-drivers", "--json");
        Assert.Equal(0, exit);
        var document = JsonDocument.Parse(output).RootElement;
        Assert.Equal("extract-drivers", document.GetProperty("playbook").GetString());
        Assert.Equal("never run", document.GetProperty("status").GetString());
    }

    [Fact]
    public async Task PlainOutput_EndsWithOneSummaryLine()
    {
        var (exit, output, _) = await RunAsync("playbook", "status", "extract-drivers");
        Assert.Equal(0, exit);
        Assert.Equal("playbook extract-drivers: never run", output.Trim());
    }

    private async Task<(int Exit, string Output, string Errors)> RunAsync(params string[] args)
    {
        // Not on a terminal: plain output. The token variable is cleared so the answer does not depend on the machine.
        using var process = AppProcess.Start("strangler.dll", new Dictionary<string, string> { ["STRANGLER_ADMIN_TOKEN"] = "" },
            [.. args, "--data", _data.Path]);
        await process.WaitForExitAsync();
        return (process.ExitCode, string.Join('\n', process.Lines), string.Join('\n', process.Errors));
    }

    public void Dispose() => _data.Dispose();
}

/// <summary>
/// The README's first command, shortened (same steps, smaller gates and seed): the whole stack as child processes, the
/// load, the extract-drivers playbook live, the report — twice on the same folder (the second run reuses the cluster,
/// the stores and the route table, and starts by walking the first run back).
/// </summary>
[Collection(AloneCollection.Name)]
public sealed partial class DemoTests : IDisposable
{
    private readonly TempDirectory _data = new();

    [Fact]
    public async Task TheQuickDemo_EndsWithNoFailedRequestAndNoDrift_AndASecondRunReusesWhatIsThere()
    {
        var portBase = FreePortBase();
        foreach (var run in new[] { 1, 2 })
        {
            using var process = AppProcess.Start("strangler.dll", new Dictionary<string, string> { ["STRANGLER_ADMIN_TOKEN"] = "" },
                "demo", "--exit", "--quick", "--rate", "40", "--data", _data.Path, "--port-base", portBase.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await process.WaitForExitAsync(TimeSpan.FromMinutes(8));
            var output = string.Join('\n', process.Lines);
            Assert.True(process.ExitCode == 0, $"run {run}: exit {process.ExitCode}\n{output}\n{string.Join('\n', process.Errors)}");
            var summary = Summary().Match(process.Lines.Last());
            Assert.True(summary.Success, process.Lines.Last());
            // The playbook's shadow gate asks for 99 %: under the whole suite's load a few shadow copies of a row created a
            // moment before reach the lagging service first.
            Assert.True(double.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 99.0, process.Lines.Last());
            Assert.Contains("ok: playbook extract-drivers: done", output, StringComparison.Ordinal);
            if (run == 2)
            {
                Assert.Contains("is walked back first", output, StringComparison.Ordinal);
            }

            // Every child stopped with it.
            foreach (var offset in Offsets)
            {
                Assert.False(Strangler.Cli.Stack.DemoStack.InUse(portBase + offset), $"port {portBase + offset} still answers after the demo ended");
            }
        }
    }

    [GeneratedRegex(@"^demo: \d+ requests, 0 failed, parity (\d+\.\d)%, lag p99 \d+ ms, hold p99 \d+ ms, drift 0$")]
    private static partial Regex Summary();

    /// <summary>The demo's ports, from its port base: proxy, admin, monolith, Drivers, Passengers, Trips.</summary>
    internal static readonly int[] Offsets = [0, 1, 80, 81, 82, 83];

    internal static int FreePortBase() => Ports.FreeBase(Offsets);

    public void Dispose() => _data.Dispose();
}

/// <summary>
/// The demo's terminal closed (SIGHUP) or the process told to stop (SIGTERM) while the stack runs: the CLI stops every
/// process it started and its PostgreSQL, as Ctrl-C does. Before, a hang-up killed the CLI alone and left the stack,
/// PostgreSQL included, running with nobody to stop it.
/// </summary>
public sealed class DemoSignalTests : IDisposable
{
    private readonly TempDirectory _data = new();

    [Theory]
    [InlineData("HUP")]
    [InlineData("TERM")]
    public async Task ASignalWhileTheStackRuns_StopsEveryProcessAndPostgres(string signal)
    {
        var portBase = DemoTests.FreePortBase();
        // Signals ignored by whoever started the tests (nohup ignores SIGHUP) stay ignored in every child, and the CLI
        // rightly keeps running then (`nohup strangler demo`): the demo starts with the default disposition, as from a shell.
        using var process = AppProcess.StartVia(["env", $"--default-signal={signal}"], "strangler.dll", new Dictionary<string, string> { ["STRANGLER_ADMIN_TOKEN"] = "" },
            "demo", "--quick", "--rate", "20", "--data", _data.Path, "--port-base", portBase.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Eventually.TrueAsync(() => Task.FromResult(process.HasExited || process.Lines.Any(l => l.StartsWith("[1/", StringComparison.Ordinal))),
            "the stack up and the playbook started", 180_000);
        Assert.False(process.HasExited, string.Join('\n', process.Lines.Concat(process.Errors)));

        using (var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        try
        {
            await process.WaitForExitAsync(TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"the CLI did not exit within 2 min of SIG{signal}:\n{string.Join('\n', process.Lines.TakeLast(30).Concat(process.Errors))}");
        }

        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}:\n{string.Join('\n', process.Lines.TakeLast(30).Concat(process.Errors))}");
        foreach (var offset in DemoTests.Offsets)
        {
            Assert.False(Strangler.Cli.Stack.DemoStack.InUse(portBase + offset), $"port {portBase + offset} still answers after SIG{signal}");
        }

        Assert.False(File.Exists(Path.Combine(_data.Path, "postgres", "data", "postmaster.pid")), $"PostgreSQL still runs after SIG{signal}");
    }

    public void Dispose() => _data.Dispose();
}

