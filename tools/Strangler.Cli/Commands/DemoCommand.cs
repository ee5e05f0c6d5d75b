using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Strangler.Cli.Cli;
using Strangler.Cli.Load;
using Strangler.Cli.Playbooks;
using Strangler.Cli.Stack;

namespace Strangler.Cli.Commands;

/// <summary>
/// <c>strangler demo</c>: the whole stack as supervised children, a load of riders and drivers through the proxy, and the
/// extract-drivers playbook run live (replicate → reconcile → shadow until parity → canary 10 → 50 → 100 → hand writes
/// over → verify), then a report whose last line is one stable summary. The stack keeps running until Ctrl-C unless
/// <c>--exit</c>.
/// </summary>
public static partial class DemoCommand
{
    public const string PlaybookName = "extract-drivers";

    public static async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken)
    {
        var args = context.Args;
        var exit = args.Flag("exit");
        var quick = args.Flag("quick");
        var rate = args.Number("rate", 1, 10_000) ?? (quick ? 60 : 100);
        var scale = args.Number("gate-scale", 0.001, 1000) ?? (quick ? 0.25 : 1);
        args.EnsureAllUsed(1);
        var output = context.Output;
        var playbook = Playbook.Load(Playbook.Locate(PlaybookName, context.Repo)) is { ServiceUrlGiven: false } p
            ? p with { ServiceUrl = context.Layout.UrlOf(Components.Drivers) }
            : throw new CliException($"the demo runs {PlaybookName} against its own Drivers service: the playbook must not set serviceUrl.");

        await using var stack = await DemoStack.StartAsync(context.Layout, output, quick, cancellationToken);
        using var broken = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _ = stack.AnyExited.ContinueWith(_ => broken.Cancel(), TaskScheduler.Default);
        var token = broken.Token;
        try
        {
            using var admin = new ProxyAdmin(context.Layout.AdminUrl, stack.Token);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var probe = new ServiceProbe(http);
            var store = new RunStore(context.Layout.Playbooks);
            var runner = new PlaybookRunner(playbook, admin, probe,
                (service, repair, ct) => ReconcileCommand.RunAsync(context, service, repair, ct), store, output, scale);
            if (store.Load(playbook.Name) is { Status: not "rolled-back" } previous)
            {
                output.Line($"a previous run ({previous.RunId}, {previous.Status}) is walked back first, so this one starts from legacy");
                await runner.RollbackAsync(token);
            }

            using var proxyHttp = new HttpClient { BaseAddress = context.Layout.ProxyUrl, Timeout = TimeSpan.FromSeconds(30) };
            var load = new LoadGenerator(proxyHttp, new LoadOptions(rate));
            output.Line($"watch it live: {new Uri(context.Layout.AdminUrl, "/dashboard/")} (sign in with the token in {context.Layout.TokenFile})");
            output.Line($"load: riders and drivers at {rate} requests/s through the proxy {context.Layout.ProxyUrl}");
            await load.SetupAsync(token);
            using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(token);
            var loading = load.RunAsync(stopLoad.Token);
            var lags = new List<double>();
            var sampling = SampleLagAsync(probe, context.Layout.UrlOf(Components.Drivers), lags, stopLoad.Token);

            output.Line($"playbook {playbook.Name}: {playbook.Title} (gate scale {scale.ToString(CultureInfo.InvariantCulture)})");
            var state = await runner.RunAsync(token);
            await stopLoad.CancelAsync();
            await loading;
            await sampling;

            output.Line("load stopped; waiting for the reverse sync to put every service write into legacy, then reconciling");
            await ReverseSettledAsync(probe, context.Layout.UrlOf(Components.Drivers), token);
            var (code, lines) = await ReconcileCommand.RunAsync(context, Components.Drivers, repair: false, token);
            var drift = code switch
            {
                0 => 0,
                2 => DriftCount(lines),
                _ => throw new CliException($"the final reconcile failed: {(lines.Count > 0 ? lines[^1] : "no output")}"),
            };

            var stats = await admin.StatsAsync(token);
            var route = stats.GetProperty("routes").EnumerateArray().First(r => r.GetProperty("id").GetString() == playbook.RouteId);
            var shadow = route.GetProperty("shadow");
            var compared = shadow.ValueKind == JsonValueKind.Object
                ? shadow.GetProperty("matches").GetInt64() + shadow.GetProperty("mismatches").GetInt64() + shadow.GetProperty("serviceErrors").GetInt64()
                : 0;
            var parity = compared == 0 ? 0 : 100.0 * shadow.GetProperty("matches").GetInt64() / compared;
            var handoff = route.GetProperty("handoff");
            var hold = handoff.ValueKind == JsonValueKind.Object ? handoff.GetProperty("holdMilliseconds").GetDouble() : 0;
            lags.Sort();
            var lagP99 = lags.Count == 0 ? 0 : lags[Math.Min(lags.Count - 1, (int)Math.Ceiling(0.99 * lags.Count) - 1)];

            var ok = state.Status == "done" && load.Failed == 0 && drift == 0;
            var report = new
            {
                playbook = state.Status,
                requests = load.Requests,
                failed = load.Failed,
                declinedTrips = load.Declined,
                tripsCompleted = load.TripsCompleted,
                latencyP99Milliseconds = load.LatencyP99,
                parityPercent = parity,
                comparedRequests = compared,
                syncLagP99Milliseconds = lagP99,
                holdMilliseconds = hold,
                drift,
                backendSplit = load.BackendSplit.Select(b => new { fromSecond = b.Bucket * LoadGenerator.BucketSeconds, legacy = b.Legacy, service = b.Service }),
                failures = load.FailureSamples,
            };
            output.Result(report);
            output.Table($"drivers requests by backend, per {LoadGenerator.BucketSeconds} s", ["from", "legacy", "service"],
                load.BackendSplit.Select(b => (IReadOnlyList<string>)[$"{b.Bucket * LoadGenerator.BucketSeconds} s", b.Legacy.ToString(CultureInfo.InvariantCulture), b.Service.ToString(CultureInfo.InvariantCulture)]));
            foreach (var failure in load.FailureSamples)
            {
                output.Line($"failed request: {failure}");
            }

            output.Outcome(state.Status == "done", $"playbook {playbook.Name}: {state.Status}");
            output.Outcome(load.Failed == 0, $"{load.Requests} requests through the proxy, {load.Failed} failed ({load.Declined} trip requests found no free driver, {load.TripsCompleted} trips completed; p99 {load.LatencyP99:0} ms)");
            output.Outcome(drift == 0, $"reconcile after the cutover: {(drift == 0 ? "no drift" : $"{drift} keys drifted")}");
            var summary = string.Create(CultureInfo.InvariantCulture,
                $"demo: {load.Requests} requests, {load.Failed} failed, parity {parity:0.0}%, lag p99 {lagP99:0} ms, hold p99 {hold:0} ms, drift {drift}");
            if (exit)
            {
                await stack.DisposeAsync(); // its "stopping …" lines before the summary: the summary is the last line
                output.Summary(summary);
            }
            else
            {
                output.Line($"the stack keeps running: proxy {context.Layout.ProxyUrl}, admin {context.Layout.AdminUrl} (try `strangler status`); Ctrl-C stops everything");
                output.Line($"live dashboard: {new Uri(context.Layout.AdminUrl, "/dashboard/")} (sign in with the token in {context.Layout.TokenFile})");
                output.Summary(summary);
                try
                {
                    await Task.Delay(Timeout.Infinite, token);
                }
                catch (OperationCanceledException)
                {
                }
            }

            return ok ? ExitCodes.Ok : ExitCodes.NotMet;
        }
        catch (OperationCanceledException) when (stack.AnyExited.IsCompleted)
        {
            var child = await stack.AnyExited;
            throw new CliException($"{child.Name} exited with code {await child.Exited}: {child.Tail()} (log: {child.LogPath})");
        }
    }

    private static async Task SampleLagAsync(ServiceProbe probe, Uri drivers, List<double> lags, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var status = await probe.StatusAsync(drivers, cancellationToken);
                if (status.TryGetProperty("lagMilliseconds", out var lag) && lag.ValueKind == JsonValueKind.Number)
                {
                    lags.Add(lag.GetDouble());
                }

                await Task.Delay(500, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Waits (up to a minute) until the service's reverse sync has applied every write the service took.</summary>
    private static async Task ReverseSettledAsync(ServiceProbe probe, Uri service, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (DateTime.UtcNow < deadline)
        {
            var status = await probe.StatusAsync(service, cancellationToken);
            if (!status.TryGetProperty("reverse", out var reverse) || reverse.ValueKind != JsonValueKind.Object
                || reverse.GetProperty("appliedPosition").GetUInt64() >= reverse.GetProperty("writtenPosition").GetUInt64())
            {
                return;
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static int DriftCount(IReadOnlyList<string> lines) =>
        lines.Select(l => DriftLine().Match(l)).FirstOrDefault(m => m.Success) is { } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 1;

    [GeneratedRegex(@"drift in (\d+) key")]
    private static partial Regex DriftLine();
}
