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
