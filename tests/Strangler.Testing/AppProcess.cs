using System.Collections.Concurrent;
using System.Diagnostics;

namespace Strangler.Testing;

/// <summary>
/// One of our executables run as a real child process (<c>dotnet App.dll args</c>, from the test's output folder),
/// its standard output and error collected line by line: what a user running it would see.
/// </summary>
public sealed class AppProcess : IDisposable
{
    private readonly Process _process;

    private AppProcess(Process process) => _process = process;

    public ConcurrentQueue<string> Lines { get; } = new();

    public ConcurrentQueue<string> Errors { get; } = new();

    /// <summary>Starts <paramref name="assembly"/> (e.g. Strangler.Proxy.dll) with <paramref name="args"/>.</summary>
    public static AppProcess Start(string assembly, params string[] args) => Start(assembly, new Dictionary<string, string>(), args);

    /// <summary>Starts <paramref name="assembly"/> with extra environment variables (e.g. secrets kept off the command line).</summary>
    public static AppProcess Start(string assembly, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        StartVia([], assembly, environment, args);

    /// <summary>
    /// Starts <paramref name="assembly"/> through <paramref name="launcher"/>, a command that execs the rest (same
    /// process id), e.g. <c>env --default-signal=HUP</c> to undo a SIGHUP ignored by whoever started the tests (nohup).
    /// </summary>
    public static AppProcess StartVia(IReadOnlyList<string> launcher, string assembly, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo(launcher.Count > 0 ? launcher[0] : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var word in launcher.Skip(1).Append(launcher.Count > 0 ? "dotnet" : null).OfType<string>())
        {
            info.ArgumentList.Add(word);
        }

        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info };
        var connector = new AppProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                connector.Lines.Enqueue(line);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                connector.Errors.Enqueue(line);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return connector;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>SIGKILL: no shutdown code runs, as in a crash.</summary>
    public async Task KillHardAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
    }

    public Task WaitForExitAsync() => WaitForExitAsync(TimeSpan.FromMinutes(1));

    /// <summary>Waits for the process to end, up to <paramref name="limit"/> (TimeoutException after it).</summary>
    public Task WaitForExitAsync(TimeSpan limit) => _process.WaitForExitAsync().WaitAsync(limit);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromMinutes(1));
        }

        _process.Dispose();
    }
}
