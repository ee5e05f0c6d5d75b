namespace RideShare.Services.Tests.Trips;

/// <summary>The Trips service's command line, run as a user runs it: bad settings are one line and exit code 1.</summary>
public sealed class TripsCliTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Theory]
    [InlineData("--Services:Gateway=not-a-url", "Services:Gateway")]
    [InlineData("--Services:TimeoutSeconds=0", "TimeoutSeconds")]
    [InlineData("--Services:RecoveryAfterSeconds=3", "RecoveryAfterSeconds")] // not longer than the 5 s owner timeout
    public async Task BadGatewaySettings_StopTheStartWithOneLine(string setting, string named)
    {
        using var process = AppProcess.Start(
            "RideShare.Trips.dll", "--Sync:Enabled=false", $"--ConnectionStrings:Trips={database.ConnectionString}", "--urls=http://127.0.0.1:0", setting);

        await process.WaitForExitAsync();

        Assert.Equal(1, process.ExitCode);
        var errors = process.Errors.Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.Single(errors);
        Assert.Contains(named, errors[0], StringComparison.Ordinal);
        Assert.DoesNotContain(process.Errors, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }
}
