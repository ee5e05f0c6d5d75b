using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using RideShare.Drivers.Hosting;
using RideShare.Monolith.Hosting;
using RideShare.Passengers.Hosting;

namespace RideShare.Services.Tests.Contract;

/// <summary>An implementation of the RideShare contract, running on loopback for one test class.</summary>
public interface IContractTarget
{
    HttpClient Client { get; }

    RideShareClient Api { get; }
}

/// <summary>Starting and stopping a WebApplication for a test class, and the client to reach it.</summary>
public abstract class WebTarget : IContractTarget
{
    protected WebApplication? App { get; private set; }

    public HttpClient Client { get; private set; } = null!;

    public RideShareClient Api { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    protected async Task StartAsync(Task<WebApplication> starting)
    {
        App = await starting;
        BaseAddress = new Uri(App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        Client = new HttpClient { BaseAddress = BaseAddress };
        Api = new RideShareClient(Client);
    }

    protected async Task StopAsync()
    {
        Client?.Dispose();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
            App = null;
        }
    }
}

/// <summary>The monolith on a fresh database.</summary>
public sealed class MonolithTarget : WebTarget, IAsyncLifetime
{
    private readonly PostgresDatabase _database = new();

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        await StartAsync(RideShareApp.StartAsync(
            [$"--ConnectionStrings:RideShare={_database.ConnectionString}", "--urls=http://127.0.0.1:0", "--Log:MinimumLevel=Warning"], CancellationToken.None));
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        await _database.DisposeAsync();
    }
}

/// <summary>The Drivers service owning its data (no sync) on a fresh embedded Garnet.</summary>
public sealed class DriversServiceTarget : WebTarget, IAsyncLifetime
{
    private readonly TempDirectory _directory = new();

    public async Task InitializeAsync() => await StartAsync(DriversApp.StartAsync(
        ["--Sync:Enabled=false", $"--DriverStore:DataDirectory={_directory.Path}", "--urls=http://127.0.0.1:0", "--Log:MinimumLevel=Warning"], CancellationToken.None));

    public async Task DisposeAsync()
    {
        await StopAsync();
        _directory.Dispose();
    }
}

/// <summary>The Passengers service owning its data (no sync) on a fresh database.</summary>
public sealed class PassengersServiceTarget : WebTarget, IAsyncLifetime
{
    private readonly PostgresDatabase _database = new();

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        await StartAsync(PassengersApp.StartAsync(
            ["--Sync:Enabled=false", $"--ConnectionStrings:Passengers={_database.ConnectionString}", "--urls=http://127.0.0.1:0", "--Log:MinimumLevel=Warning"],
            CancellationToken.None));
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        await _database.DisposeAsync();
    }
}

public sealed class MonolithDriversContract(MonolithTarget target) : DriversContract(target), IClassFixture<MonolithTarget>;

public sealed class DriversServiceContract(DriversServiceTarget target) : DriversContract(target), IClassFixture<DriversServiceTarget>;

public sealed class MonolithPassengersContract(MonolithTarget target) : PassengersContract(target), IClassFixture<MonolithTarget>;

public sealed class PassengersServiceContract(PassengersServiceTarget target) : PassengersContract(target), IClassFixture<PassengersServiceTarget>;
