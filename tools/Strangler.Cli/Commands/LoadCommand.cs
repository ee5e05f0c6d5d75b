using Strangler.Cli.Cli;
using Strangler.Cli.Load;

namespace Strangler.Cli.Commands;

/// <summary><c>strangler load [--rate N] [--seconds N]</c>: riders and drivers through the proxy, with a report at the end (or at Ctrl-C).</summary>
public static class LoadCommand
{
    public static async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken)
    {
        var rate = context.Args.Number("rate", 1, 100_000) ?? 50;
        var seconds = context.Args.Number("seconds", 1, 86_400);
        context.Args.EnsureAllUsed(1);
        using var http = new HttpClient { BaseAddress = context.Layout.ProxyUrl, Timeout = TimeSpan.FromSeconds(30) };
        var load = new LoadGenerator(http, new LoadOptions(rate));
        await load.SetupAsync(cancellationToken);
        context.Output.Line($"load: {rate} requests/s through {context.Layout.ProxyUrl}{(seconds is { } s ? $" for {s} s" : " until Ctrl-C")}");
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (seconds is { } limit)
        {
            run.CancelAfter(TimeSpan.FromSeconds(limit));
        }

        await load.RunAsync(run.Token);
        foreach (var sample in load.FailureSamples)
        {
            context.Output.Line($"failed: {sample}");
        }

        context.Output.Result(new { requests = load.Requests, failed = load.Failed, declined = load.Declined, tripsCompleted = load.TripsCompleted, p99 = load.LatencyP99 });
        context.Output.Summary($"load: {load.Requests} requests, {load.Failed} failed, {load.Declined} trips declined (no driver free), {load.TripsCompleted} trips completed, p99 {load.LatencyP99:0} ms");
        return load.Failed == 0 ? ExitCodes.Ok : ExitCodes.NotMet;
    }
}
