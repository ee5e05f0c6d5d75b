namespace Strangler.Cli.Cli;

/// <summary>What the CLI exits with (docs/cli.md).</summary>
public static class ExitCodes
{
    /// <summary>Done, and what was checked holds (no drift, every gate met).</summary>
    public const int Ok = 0;

    /// <summary>An error: bad input, an unreachable component, a failed call. One line on standard error.</summary>
    public const int Error = 1;

    /// <summary>It ran, and what it checked does not hold: drift found, a gate not met, a playbook stopped or rolled back.</summary>
    public const int NotMet = 2;

    /// <summary>The command line itself is wrong (unknown command or option, missing argument).</summary>
    public const int Usage = 64;
}

/// <summary>An error the user gets as one line (<c>error: …</c>) and an exit code.</summary>
public sealed class CliException(string message, int exitCode = ExitCodes.Error) : Exception(message)
{
    public int ExitCode => exitCode;
}
