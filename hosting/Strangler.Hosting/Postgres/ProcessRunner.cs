using System.Diagnostics;
using System.Text;

namespace Strangler.Hosting.Postgres;

/// <summary>Runs a command to completion, as the <c>postgres</c> system user when this process is root.</summary>
internal static class ProcessRunner
{
    /// <summary>PostgreSQL refuses to run as root, so as root we drop to this user.</summary>
    public const string ServerUser = "postgres";

    public static bool IsRoot => Environment.IsPrivilegedProcess;

    public static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName, IReadOnlyList<string> arguments, bool asServerUser, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asServerUser && IsRoot)
        {
            info.FileName = "runuser";
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add(ServerUser);
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(fileName);
        }
        else
        {
            info.FileName = fileName;
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = new StringBuilder();
        var stdout = PumpAsync(process.StandardOutput, output);
        var stderr = PumpAsync(process.StandardError, output);
        await process.WaitForExitAsync(cancellationToken);
        await Task.WhenAll(stdout, stderr);
        return (process.ExitCode, output.ToString().Trim());
    }

    public static async Task<string> RunCheckedAsync(
        string fileName, IReadOnlyList<string> arguments, bool asServerUser, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await RunAsync(fileName, arguments, asServerUser, cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(fileName)} failed (exit {exitCode}): {output}");
        }

        return output;
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder sink)
    {
        // pg_ctl start leaves the server holding inherited pipes only if we let it; -l sends the server's
        // output to a file, so these streams end when the command itself ends.
        var text = await reader.ReadToEndAsync();
        lock (sink)
        {
            sink.Append(text);
        }
    }
}
