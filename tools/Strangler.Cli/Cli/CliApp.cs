using Strangler.Cli.Commands;
using Strangler.Cli.Stack;

namespace Strangler.Cli.Cli;

/// <summary>Everything a command needs: its arguments, where to print, and where the stack is.</summary>
public sealed record CliContext(Args Args, Output Output, string Repo, StackLayout Layout)
{
    public StackProfile? Profile => StackProfile.Load(Layout);

    public ProxyAdmin Admin() => ProxyAdmin.FromEnvironment(Args.Option("admin"), Layout);
}

/// <summary>
/// <c>strangler</c>: drives and watches a strangler-fig migration (docs/cli.md). One line on standard error for an
/// error, exit codes that mean something (<see cref="ExitCodes"/>), plain lines when not on a terminal, <c>--json</c>.
/// </summary>
public static class CliApp
{
    private static readonly HashSet<string> Flags = ["json", "plain", "exit", "quick", "repair", "dry-run", "help"];

    public const string Usage = """
        strangler — drive and watch a strangler-fig migration (docs/cli.md)

          strangler demo [--exit] [--quick] [--rate N]     the whole stack, load, and the extract-drivers playbook live
          strangler status                                 routes (stage, weight, owner), sync lag, parity, handoffs
          strangler route list
          strangler route stage <route> <legacy|shadow|canary|service> [--weight N] [--reason TEXT]
          strangler route owner <route> <legacy|service> [--reason TEXT]     the LSN-fenced write handoff
          strangler route rollback <route> [--reason TEXT]
          strangler reconcile <drivers|passengers|trips> [--repair]
          strangler playbook run|status|resume|rollback <playbook> [--dry-run] [--gate-scale F]
          strangler load [--rate N] [--seconds N]           riders and drivers through the proxy

        options: --json (one JSON document), --plain (lines, also when not on a terminal), --admin URL (the proxy's
        admin API; or STRANGLER_PROXY_ADMIN), --data DIR (the demo's folder, default .strangler/demo),
        --port-base N (the demo's ports: proxy N, admin N+1, monolith N+80, services N+81…83; default 5000).
        The admin token comes from STRANGLER_ADMIN_TOKEN, else the demo's <data>/admin-token.
        exit codes: 0 done, 1 error, 2 not met (drift, a gate, a failed request in the demo), 64 bad command line.
        """;

    public static async Task<int> RunAsync(string[] argv, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var output = new Output(stdout, stderr, OutputMode.Plain);
        try
        {
            var args = new Args(argv, Flags);
            output = new Output(stdout, stderr, Output.Detect(args.Flag("json"), args.Flag("plain")));
            var command = args.Word(0);
            if (command is null or "help" || args.Flag("help"))
            {
                stdout.WriteLine(Usage);
                return command is null && !args.Flag("help") ? ExitCodes.Usage : ExitCodes.Ok;
            }

            var repo = Repo.Root();
            var data = Path.GetFullPath(args.Option("data") ?? Path.Combine(repo, ".strangler", "demo"));
            var portBase = (int?)args.Number("port-base", 1024, 65_000)
                ?? StackProfile.Load(new StackLayout(data, Components.Proxy.Port))?.PortBase ?? Components.Proxy.Port;
            var context = new CliContext(args, output, repo, new StackLayout(data, portBase));
            using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                interrupted.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            // SIGTERM (kill, service managers), SIGHUP (the terminal closed) and SIGQUIT stop the way Ctrl-C does: the
            // stack's processes and its PostgreSQL are stopped, not left running without the CLI that owns them.
            using var onTerm = OnSignal(System.Runtime.InteropServices.PosixSignal.SIGTERM, interrupted);
            using var onHangUp = OnSignal(System.Runtime.InteropServices.PosixSignal.SIGHUP, interrupted);
            using var onQuit = OnSignal(System.Runtime.InteropServices.PosixSignal.SIGQUIT, interrupted);
            try
            {
                return command switch
                {
                    "demo" => await DemoCommand.RunAsync(context, interrupted.Token),
                    "status" => await StatusCommand.RunAsync(context, interrupted.Token),
                    "route" => await RouteCommand.RunAsync(context, interrupted.Token),
                    "reconcile" => await ReconcileCommand.RunAsync(context, interrupted.Token),
                    "playbook" => await PlaybookCommand.RunAsync(context, interrupted.Token),
                    "load" => await LoadCommand.RunAsync(context, interrupted.Token),
                    _ => throw new CliException($"unknown command '{command}' (see: strangler help).", ExitCodes.Usage),
                };
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }
        catch (CliException e)
        {
            output.Error(e.Message);
            return e.ExitCode;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            output.Error("interrupted.");
            return 130;
        }
    }

    private static System.Runtime.InteropServices.PosixSignalRegistration OnSignal(System.Runtime.InteropServices.PosixSignal signal, CancellationTokenSource interrupted) =>
        System.Runtime.InteropServices.PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true;
            interrupted.Cancel();
        });
}
