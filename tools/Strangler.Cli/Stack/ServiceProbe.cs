using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Strangler.Cli.Cli;

namespace Strangler.Cli.Stack;

/// <summary>An extracted service's /sync/status, and its reconcile command run as the service's own CLI.</summary>
public sealed class ServiceProbe(HttpClient http)
{
    public async Task<JsonElement> StatusAsync(Uri service, CancellationToken cancellationToken)
    {
        try
        {
            return await http.GetFromJsonAsync<JsonElement>(new Uri(service, "/sync/status"), cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"the service at {service} cannot be reached ({e.Message}).");
        }
    }

    /// <summary>Runs <c>&lt;service&gt; reconcile [--repair]</c> beside the running service; its exit code (0 no drift, 2 drift, 1 error) and output.</summary>
    public static async Task<(int ExitCode, IReadOnlyList<string> Output)> ReconcileAsync(
        Component service, string repoRoot, bool repair, StackProfile? profile, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.Combine(repoRoot, service.Project),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(service.Executable(repoRoot));
        info.ArgumentList.Add("reconcile");
        if (repair)
        {
            info.ArgumentList.Add("--repair");
        }

        // Against the demo stack: its settings (connection strings through the environment, never the command line).
        foreach (var arg in profile?.ServiceArgs.GetValueOrDefault(service.Name) ?? [])
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in profile?.ServiceEnvironment.GetValueOrDefault(service.Name) ?? [])
        {
            info.Environment[key] = value;
        }

        info.Environment["Log__MinimumLevel"] = "Warning";
        using var process = Process.Start(info) ?? throw new CliException($"could not start {service.Assembly}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var lines = ((await output) + (await errors)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (process.ExitCode, lines);
    }
}
