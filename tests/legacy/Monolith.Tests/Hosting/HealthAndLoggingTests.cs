using System.Net;
using RideShare.Monolith.Hosting;

namespace RideShare.Monolith.Tests.Hosting;

public sealed class HealthAndLoggingTests(MonolithApp app) : IClassFixture<MonolithApp>
{
    [Fact]
    public async Task Healthz_RunningApp_Returns200()
    {
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task Readyz_DatabaseReachable_Returns200()
    {
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task Readyz_DatabaseUnreachable_Returns503WhileHealthzStays200()
    {
        // A port nothing listens on: the app starts (no migration at start-up) but is not ready.
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var deadPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var down = await RideShareApp.StartAsync(
            [
                $"--ConnectionStrings:RideShare=Host=127.0.0.1;Port={deadPort};Username=x;Password=y;Database=z;Timeout=2",
                "--Database:MigrateOnStartup=false",
                "--urls=http://127.0.0.1:0",
                "--Log:MinimumLevel=Fatal",
            ],
            CancellationToken.None);
        using var client = new HttpClient { BaseAddress = new Uri(down.ListeningAddresses()[0]) };

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        await down.StopAsync();
    }

    [Fact]
    public async Task AnyRequest_WithCorrelationId_EchoesIt()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/drivers/1");
        request.Headers.Add("X-Correlation-Id", "test-corr-42");

        var response = await app.Client.SendAsync(request);

        Assert.Equal("test-corr-42", Assert.Single(response.Headers.GetValues("X-Correlation-Id")));
    }

    [Fact]
    public async Task AnyRequest_WithoutCorrelationId_GetsAFreshOne()
    {
        var first = (await app.Client.GetAsync("/healthz")).Headers.GetValues("X-Correlation-Id").Single();
        var second = (await app.Client.GetAsync("/healthz")).Headers.GetValues("X-Correlation-Id").Single();

        Assert.Equal(32, first.Length);
        Assert.NotEqual(first, second);
    }
}

/// <summary>The monolith as a process, its JSON log read line by line: expected outcomes are not errors.</summary>
public sealed class LogLevelTests(MonolithApp app) : IClassFixture<MonolithApp>
{
    [Fact]
    public async Task DuplicateEmail409_AndValidation400_AreNotLoggedAsErrors()
    {
        var port = Ports.Free();
        using var monolith = Strangler.Testing.AppProcess.Start(
            "RideShare.Monolith.dll",
            new Dictionary<string, string> { ["ConnectionStrings__RideShare"] = app.ConnectionString },
            "serve", $"--urls=http://127.0.0.1:{port}", "--Log:Format=Json");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await Strangler.Testing.Eventually.TrueAsync(async () =>
        {
            try
            {
                return (await client.GetAsync("/healthz")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return !monolith.HasExited && false;
            }
        }, "the monolith to serve", 60_000);
        var email = $"dup.{Guid.NewGuid():N}@example.com";

        Assert.Equal(HttpStatusCode.Created, (await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(client, "/api/passengers", new { fullName = "A", email })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(client, "/api/passengers", new { fullName = "B", email })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(client, "/api/passengers", new { fullName = "C\u0000" })).StatusCode);
        // The request lines of all three are in once a fourth request's line is (requests are logged when they end).
        using var marker = new HttpRequestMessage(HttpMethod.Get, "/api/passengers/1");
        marker.Headers.Add("X-Correlation-Id", "log-level-marker");
        (await client.SendAsync(marker)).Dispose();
        await Strangler.Testing.Eventually.TrueAsync(
            () => Task.FromResult(monolith.Lines.Any(l => l.Contains("log-level-marker", StringComparison.Ordinal))), "the marker request log line in:\n" + string.Join('\n', monolith.Lines) + string.Join('\n', monolith.Errors));

        var errors = monolith.Lines.Where(l => l.Contains("\"@l\":\"Error\"", StringComparison.Ordinal) || l.Contains("\"@l\":\"Fatal\"", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, string.Join('\n', errors));
        Assert.Contains(monolith.Lines, l => l.Contains("\"StatusCode\":409", StringComparison.Ordinal));
    }
}
