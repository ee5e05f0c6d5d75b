using System.Diagnostics;
using Strangler.Testing;

namespace RideShare.Monolith.Tests.Hosting;

/// <summary>The real executable: commands, exit codes, one-line errors.</summary>
public sealed class CommandLineTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "RideShare.Monolith.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Run_UnknownCommand_ExitsNonZeroWithOneLine()
    {
        var (exitCode, _, stderr) = await RunAsync("frobnicate");

        Assert.Equal(1, exitCode);
        Assert.Equal("error: unknown command 'frobnicate': use serve, demo, migrate or seed (see 'help').", stderr.Trim());
    }

    [Fact]
    public async Task Seed_NonNumericSize_ExitsNonZeroWithOneLineNamingTheFlag()
    {
        var (exitCode, _, stderr) = await RunAsync("seed", "--drivers", "lots", $"--ConnectionStrings:RideShare={database.ConnectionString}");

        Assert.Equal(1, exitCode);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("--drivers needs a whole number", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MigrateThenSeed_AgainstConfiguredDatabase_ReportCountsAndRate()
    {
        var connection = $"--ConnectionStrings:RideShare={database.ConnectionString}";

        var migrate = await RunAsync("migrate", connection);
        var seed = await RunAsync("seed", "--drivers", "30", "--passengers", "40", "--trips", "50", connection);
        var again = await RunAsync("seed", "--drivers", "30", connection);

        Assert.Equal(0, migrate.ExitCode);
        Assert.Contains("Schema migrated to version", migrate.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, seed.ExitCode);
        Assert.Contains("Seeded 30 drivers, 40 passengers, 50 trips (120 rows)", seed.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("--reset", again.Stderr, StringComparison.Ordinal);
    }
}
