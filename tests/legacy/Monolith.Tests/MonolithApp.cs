using Microsoft.AspNetCore.Builder;
using RideShare.Monolith.Hosting;
using Strangler.Testing;

namespace RideShare.Monolith.Tests;

/// <summary>
/// The real RideShare app on Kestrel (127.0.0.1, free port) over a fresh database of the shared test
/// PostgreSQL server; one per test class.
/// </summary>
public class MonolithApp : PostgresDatabase
{
    private WebApplication? _app;

    public HttpClient Client { get; private set; } = null!;

    public RideShareClient Api { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _app = await RideShareApp.StartAsync(
            [
                $"--ConnectionStrings:RideShare={ConnectionString}",
                "--urls=http://127.0.0.1:0",
                "--Log:MinimumLevel=Warning",
            ],
            CancellationToken.None);
        BaseAddress = new Uri(_app.ListeningAddresses()[0]);
        Client = new HttpClient { BaseAddress = BaseAddress };
        Api = new RideShareClient(Client);
    }

    public override async Task DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}
