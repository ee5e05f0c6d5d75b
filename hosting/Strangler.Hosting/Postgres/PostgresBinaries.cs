using System.Diagnostics;

namespace Strangler.Hosting.Postgres;

/// <summary>Locates the PostgreSQL server binaries (initdb, pg_ctl, postgres) on this machine.</summary>
public static class PostgresBinaries
{
    private static readonly string[] Required = ["initdb", "pg_ctl", "postgres"];

    /// <summary>
    /// Returns the folder holding initdb, pg_ctl and postgres: <paramref name="configured"/> when given,
    /// else the first of PATH, <c>pg_config --bindir</c>, <c>/usr/lib/postgresql/&lt;newest&gt;/bin</c>.
    /// </summary>
    /// <exception cref="PostgresBinariesNotFoundException">No complete set was found.</exception>
    public static string Locate(string? configured = null)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return HasAll(configured)
                ? Path.GetFullPath(configured)
                : throw new PostgresBinariesNotFoundException(
                    $"EmbeddedPostgres:BinDirectory '{configured}' does not contain {string.Join(", ", Required)}: point it at PostgreSQL's bin folder.");
        }

        foreach (var candidate in Candidates())
        {
            if (HasAll(candidate))
            {
                return RealDirectory(candidate);
            }
        }

        throw new PostgresBinariesNotFoundException(
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: install them (Debian/Ubuntu: apt-get install postgresql), "
            + "set EmbeddedPostgres:BinDirectory, or configure a connection string to an existing server.");
    }

    private static IEnumerable<string> Candidates()
    {
        // PATH first: an explicit choice by the user wins over the distribution's layout.
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            yield return dir;
        }

        if (TryPgConfigBinDir() is { } fromPgConfig)
        {
            yield return fromPgConfig;
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var versions = Directory.GetDirectories(debianRoot)
                .Select(d => (Dir: d, Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1))
                .Where(x => x.Version > 0)
                .OrderByDescending(x => x.Version);
            foreach (var (dir, _) in versions)
            {
                yield return Path.Combine(dir, "bin");
            }
        }
    }

    private static string? TryPgConfigBinDir()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // pg_config is not installed
        }
    }

    /// <summary>
    /// The folder the binaries really live in: a PATH folder may hold only symlinks to initdb, pg_ctl and
    /// postgres, while the other tools (pg_recvlogical, psql…) sit beside the targets.
    /// </summary>
    private static string RealDirectory(string dir)
    {
        var target = new FileInfo(Path.Combine(dir, "initdb")).ResolveLinkTarget(returnFinalTarget: true);
        return target is null ? Path.GetFullPath(dir) : Path.GetDirectoryName(target.FullName)!;
    }

    private static bool HasAll(string dir) => Required.All(name => File.Exists(Path.Combine(dir, name)));
}
