using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Strangler.Cli.Stack;

/// <summary>
/// One supervised child (<c>dotnet X.dll args</c>, secrets in its environment, never on its command line), its output
/// written to a log file. <see cref="Exited"/> completes if it ends on its own; <see cref="StopAsync"/> asks it to stop
/// (SIGTERM, so it shuts down cleanly) and kills it only if it does not within the grace period.
/// </summary>
public sealed partial class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stopping;

    private ChildProcess(string name, Process process, StreamWriter log, string logPath)
    {
        Name = name;
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    public string Name { get; }

    public string LogPath { get; }

    public int Id => _process.Id;

    /// <summary>Completes with the exit code when the child ends without being asked to.</summary>
    public Task<int> Exited => _exited.Task;

    public static ChildProcess Start(string name, string executable, string workingDirectory, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, string logPath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        info.ArgumentList.Add(executable);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process, log, logPath);
        process.OutputDataReceived += (_, e) => child.Write(e.Data);
        process.ErrorDataReceived += (_, e) => child.Write(e.Data);
        process.Exited += (_, _) =>
        {
            if (!child._stopping)
            {
                child._exited.TrySetResult(process.ExitCode);
            }
        };
        log.WriteLine($"--- {DateTimeOffset.UtcNow:O} starting {name}: dotnet {executable} {string.Join(' ', args)}");
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private void Write(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.WriteLine(line);
            }
        }
    }

    /// <summary>The last lines of its log (for an error message).</summary>
    public string Tail(int lines = 5)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join(" | ", all.TakeLast(lines).Select(l => l.Trim()));
        }
        catch (IOException)
        {
            return "";
        }
    }

    public async Task StopAsync(TimeSpan grace)
    {
        _stopping = true;
        if (_process.HasExited)
        {
            return;
        }

        _ = Kill(_process.Id, 15); // SIGTERM: the host stops its services and flushes its stores
        try
        {
            await _process.WaitForExitAsync().WaitAsync(grace);
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(20));
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
