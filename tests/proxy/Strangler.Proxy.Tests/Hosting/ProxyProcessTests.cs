using System.Text.Json;
using Strangler.Testing;

namespace Strangler.Proxy.Tests.Hosting;

/// <summary>The proxy as a user runs it: a child process, its console read line by line.</summary>
public sealed class ProxyProcessTests(StranglerStack stack) : IClassFixture<StranglerStack>
{
    private static readonly Dictionary<string, string> TokenInEnvironment = new() { ["Proxy__Admin__Token"] = StranglerStack.Token };

    private string[] Args(string storeFile, int publicPort, params string[] extra) =>
    [
        $"--Proxy:LegacyUrl={stack.LegacyAddress}",
        $"--Proxy:Listen=http://127.0.0.1:{publicPort}",
        $"--Proxy:Admin:Listen=http://127.0.0.1:{FakeService.DeadPort()}",
        $"--Proxy:Store:FilePath={storeFile}",
        "--Log:Format=Json",
        .. extra,
    ];

    private string NewStoreFile() => Path.Combine(stack.StoreFolder, Guid.NewGuid().ToString("N"), "routes.json");

    [Fact]
    public async Task EachProxiedRequest_IsLoggedOnce()
    {
        var port = FakeService.DeadPort();
        using var proxy = AppProcess.Start("Strangler.Proxy.dll", TokenInEnvironment, Args(NewStoreFile(), port));
        await Eventually.TrueAsync(() => Task.FromResult(proxy.Lines.Any(l => l.StartsWith("Strangler proxy on", StringComparison.Ordinal))), "the proxy to start", 60_000);
        var before = proxy.Lines.Count;
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var ids = Enumerable.Range(0, 20).Select(i => $"log-once-{i}").ToList();

        foreach (var id in ids)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, id.EndsWith('0') ? "/api/drivers/999999" : "/api/drivers?pageSize=1");
            request.Headers.Add("X-Correlation-Id", id);
            (await client.SendAsync(request)).Dispose();
        }

        // Our line is written after YARP's would be (when the response is done), so once all 20 are in, everything is.
        await Eventually.TrueAsync(() => Task.FromResult(ids.All(id => proxy.Lines.Any(l => l.Contains(id, StringComparison.Ordinal)))), "20 request lines");
        var burst = proxy.Lines.Skip(before).ToList();
        Assert.True(burst.Count == 20, "expected one line per request, got:\n" + string.Join('\n', burst));
        Assert.All(burst, line => Assert.Equal("HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0000} ms via {Backend} (route {RouteId}, stage {Stage}, correlation {CorrelationId})",
            JsonDocument.Parse(line).RootElement.GetProperty("@mt").GetString()));
        Assert.DoesNotContain(proxy.Lines, l => l.Contains(StranglerStack.Token, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\"version\":4,\"routes\":[{\"id\":\"r\",\"path\":\"/api/{unclosed\",\"destinations\":[\"http://127.0.0.1:1\"]}]}")]
    [InlineData("{ not json")]
    public async Task UnusableStoredTable_ExitsWithOneErrorLine(string content)
    {
        var file = NewStoreFile();
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, content);

        using var proxy = AppProcess.Start("Strangler.Proxy.dll", TokenInEnvironment, Args(file, FakeService.DeadPort()));
        await proxy.WaitForExitAsync();

        Assert.Equal(1, proxy.ExitCode);
        var line = Assert.Single(proxy.Errors);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(file, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoToken_ExitsWithOneErrorLineSayingHowToSetIt()
    {
        using var proxy = AppProcess.Start("Strangler.Proxy.dll", Args(NewStoreFile(), FakeService.DeadPort()));
        await proxy.WaitForExitAsync();

        Assert.Equal(1, proxy.ExitCode);
        var line = Assert.Single(proxy.Errors);
        Assert.Contains("Proxy__Admin__Token", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Proxy:Health:IntervalMilliseconds=0", "Proxy:Health:IntervalMilliseconds")]
    [InlineData("--Proxy:Shadow:MaxConcurrency=0", "Proxy:Shadow:MaxConcurrency")]
    [InlineData("--Proxy:Canary:WindowSeconds=0", "Proxy:Canary:WindowSeconds")]
    [InlineData("--Proxy:Handoff:MaxHoldMilliseconds=0", "Proxy:Handoff")]
    [InlineData("--Proxy:Cohorts:UserHeader=", "Proxy:Cohorts:UserHeader")]
    [InlineData("--Proxy:Store:Kind=Postgres", "Proxy:Store:ConnectionString")]
    [InlineData("--Proxy:LegacyTimeoutSeconds=0", "Proxy:LegacyTimeoutSeconds")]
    public async Task SettingOutOfRange_ExitsWithOneErrorLineNamingIt(string setting, string key)
    {
        using var proxy = AppProcess.Start("Strangler.Proxy.dll", TokenInEnvironment, Args(NewStoreFile(), FakeService.DeadPort(), setting));
        await proxy.WaitForExitAsync();

        Assert.Equal(1, proxy.ExitCode);
        var line = Assert.Single(proxy.Errors);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(key, line, StringComparison.Ordinal);
    }
}
