using System.Text.Json;
using Strangler.Cli.Cli;
using Strangler.Cli.Stack;

namespace Strangler.Cli.Commands;

/// <summary><c>strangler route list|stage|owner|rollback</c>: the proxy's admin API.</summary>
public static class RouteCommand
{
    public static async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken)
    {
        var args = context.Args;
        var verb = args.RequiredWord(1, "what to do: list, stage, owner or rollback");
        var reason = args.Option("reason") ?? "strangler route";
        ProxyAdmin? connected = null;
        ProxyAdmin Admin() => connected ??= context.Admin(); // after the arguments are checked: a bad command line never needs the proxy
        try
        {
            return await RunAsync(context, verb, reason, Admin, cancellationToken);
        }
        finally
        {
            connected?.Dispose();
        }
    }

    private static async Task<int> RunAsync(CliContext context, string verb, string reason, Func<ProxyAdmin> admin, CancellationToken cancellationToken)
    {
        var args = context.Args;
        switch (verb)
        {
            case "list":
                {
                    args.EnsureAllUsed(2);
                    var routes = await admin().RoutesAsync(cancellationToken);
                    context.Output.Result(routes);
                    context.Output.Table($"routes (table version {routes.GetProperty("version").GetInt64()})", ["route", "path", "stage", "weight", "owner", "destinations"],
                        routes.GetProperty("routes").EnumerateArray().Select(r => (IReadOnlyList<string>)
                        [
                            r.GetProperty("id").GetString()!, r.GetProperty("path").GetString()!, r.GetProperty("stage").GetString()!,
                            r.TryGetProperty("weight", out var w) && w.ValueKind == JsonValueKind.Number ? w.GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture) : "0",
                            r.TryGetProperty("owner", out var o) ? o.GetString()! : "legacy",
                            string.Join(' ', r.GetProperty("destinations").EnumerateArray().Select(d => d.GetString())),
                        ]));
                    return ExitCodes.Ok;
                }

            case "stage":
                {
                    var id = args.RequiredWord(2, "the route id");
                    var stage = args.RequiredWord(3, "the stage (legacy, shadow, canary or service)");
                    var weight = (int?)args.Number("weight", 0, 100);
                    args.EnsureAllUsed(4);
                    var table = await admin().StageAsync(id, stage, weight, reason, cancellationToken);
                    context.Output.Result(table);
                    context.Output.Summary($"route {id}: stage {stage}{(weight is { } w ? $" {w}%" : "")} (table version {table.GetProperty("version").GetInt64()})");
                    return ExitCodes.Ok;
                }

            case "rollback":
                {
                    var id = args.RequiredWord(2, "the route id");
                    args.EnsureAllUsed(3);
                    var table = await admin().RollbackAsync(id, reason, cancellationToken);
                    context.Output.Result(table);
                    context.Output.Summary($"route {id}: back at legacy (table version {table.GetProperty("version").GetInt64()})");
                    return ExitCodes.Ok;
                }

            case "owner":
                {
                    var id = args.RequiredWord(2, "the route id");
                    var owner = args.RequiredWord(3, "the new owner (legacy or service)");
                    if (owner is not ("legacy" or "service"))
                    {
                        throw new CliException($"owner must be legacy or service, not '{owner}'.", ExitCodes.Usage);
                    }

                    args.EnsureAllUsed(4);
                    context.Output.Line($"handing the writes of {id} to {owner} (writes are held for the fence; see docs/proxy.md)…");
                    var (done, report, detail) = await admin().OwnerAsync(id, owner, reason, cancellationToken);
                    context.Output.Result(report);
                    context.Output.Outcome(done, detail);
                    context.Output.Summary($"handoff {id} → {owner}: {report.GetProperty("outcome").GetString()}, held {report.GetProperty("holdMilliseconds").GetDouble():0.#} ms, "
                        + $"{report.GetProperty("heldWrites").GetInt64()} writes held, {report.GetProperty("refusedWrites").GetInt64()} refused");
                    return done ? ExitCodes.Ok : ExitCodes.NotMet;
                }

            default:
                throw new CliException($"unknown route command '{verb}': list, stage, owner or rollback.", ExitCodes.Usage);
        }
    }
}
