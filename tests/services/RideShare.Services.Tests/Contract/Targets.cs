using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using RideShare.Drivers.Hosting;
using RideShare.Monolith.Hosting;
using RideShare.Passengers.Hosting;
using RideShare.Trips.Hosting;

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

/// <summary>
/// The Trips service owning trips, behind the real strangler proxy: the proxy routes /api/trips to the service and
/// everything else to the monolith, and the service reaches drivers and passengers through the proxy (its gateway),
/// as in a migration. Clients talk to the proxy.
/// </summary>
public class TripsServiceTarget : IContractTarget, IAsyncLifetime
{
    public const string AdminToken = "trips-target-admin-token-0123456789";
    private readonly PostgresDatabase _legacy = new();
    private readonly PostgresDatabase _trips = new();
    private readonly TempDirectory _routes = new();
    private readonly List<WebApplication> _apps = [];

    public HttpClient Client { get; private set; } = null!;

    public RideShareClient Api { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public Uri ProxyAddress { get; private set; } = null!;

    public Uri MonolithAddress { get; private set; } = null!;

    public Uri TripsAddress { get; private set; } = null!;

    public WebApplication Trips => _apps[^1];

    public string TripsConnectionString => _trips.ConnectionString;

    /// <summary>Where the Trips service reaches drivers and passengers; the proxy unless a test puts something in between.</summary>
    protected virtual Task<Uri> GatewayAsync(Uri proxy) => Task.FromResult(proxy);

    protected virtual IEnumerable<string> TripsArgs => [];

    /// <summary>Whether drivers are owned by the Drivers service (the proxy's drivers route at <c>service</c>) instead of the monolith.</summary>
    protected virtual bool DriversOnService => false;

    private readonly TempDirectory _drivers = new();

    public virtual async Task InitializeAsync()
    {
        await _legacy.InitializeAsync();
        await _trips.InitializeAsync();
        var monolith = await RideShareApp.StartAsync(
            [$"--ConnectionStrings:RideShare={_legacy.ConnectionString}", "--urls=http://127.0.0.1:0", "--Log:MinimumLevel=Warning"], CancellationToken.None);
        _apps.Add(monolith);
        MonolithAddress = Address(monolith);
        var proxy = await Strangler.Proxy.Hosting.ProxyApp.StartAsync(
        [
            $"--Proxy:LegacyUrl={MonolithAddress}", "--Proxy:Listen=http://127.0.0.1:0", "--Proxy:Admin:Listen=http://127.0.0.1:0",
            $"--Proxy:Admin:Token={AdminToken}", $"--Proxy:Store:FilePath={System.IO.Path.Combine(_routes.Path, "routes.json")}",
            "--Proxy:Health:IntervalMilliseconds=100", "--Log:MinimumLevel=Warning",
        ], CancellationToken.None);
        _apps.Add(proxy);
        var endpoints = proxy.Services.GetRequiredService<Strangler.Proxy.ProxyEndpoints>();
        ProxyAddress = endpoints.PublicAddress;
        Admin = new HttpClient { BaseAddress = endpoints.AdminAddress };
        Admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminToken);
        if (DriversOnService)
        {
            var drivers = await DriversApp.StartAsync(
                ["--Sync:Enabled=false", $"--DriverStore:DataDirectory={_drivers.Path}", "--urls=http://127.0.0.1:0", "--Log:MinimumLevel=Warning"], CancellationToken.None);
            _apps.Insert(0, drivers);
            var driversRoute = await Admin.PutAsJsonAsync("/admin/routes/drivers", new { path = "/api/drivers/{**rest}", destinations = new[] { Address(drivers).ToString() }, stage = "service", owner = "service" });
            Assert.True(driversRoute.IsSuccessStatusCode, $"PUT route drivers: {(int)driversRoute.StatusCode} {await driversRoute.Content.ReadAsStringAsync()}");
        }

        await StartTripsAsync();
        var route = await Admin.PutAsJsonAsync("/admin/routes/trips", new { path = "/api/trips/{**rest}", destinations = new[] { TripsAddress.ToString() }, stage = "service", owner = "service" });
        Assert.True(route.IsSuccessStatusCode, $"PUT route trips: {(int)route.StatusCode} {await route.Content.ReadAsStringAsync()}");
        Client = new HttpClient { BaseAddress = ProxyAddress };
        Api = new RideShareClient(Client);
    }

    /// <summary>Starts (or starts again, on the same database) the Trips service.</summary>
    public async Task StartTripsAsync(params string[] extra) => TripsAddress = await StartTripsServiceAsync(
    [
        "--Sync:Enabled=false", $"--ConnectionStrings:Trips={_trips.ConnectionString}", $"--Services:Gateway={await GatewayAsync(ProxyAddress)}",
        "--Log:MinimumLevel=Warning", .. TripsArgs, .. extra,
    ]);

    /// <summary>Runs the Trips service with <paramref name="args"/> and returns its address; in this process unless overridden.</summary>
    protected virtual async Task<Uri> StartTripsServiceAsync(string[] args)
    {
        var trips = await TripsApp.StartAsync([.. args, "--urls=http://127.0.0.1:0"], CancellationToken.None);
        _apps.Add(trips);
        return Address(trips);
    }

    public async Task StopTripsAsync()
    {
        var trips = _apps[^1];
        _apps.RemoveAt(_apps.Count - 1);
        await trips.StopAsync();
        await trips.DisposeAsync();
    }

    public virtual async Task DisposeAsync()
    {
        Client?.Dispose();
        Admin?.Dispose();
        foreach (var app in Enumerable.Reverse(_apps))
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        _routes.Dispose();
        _drivers.Dispose();
        await _trips.DisposeAsync();
        await _legacy.DisposeAsync();
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}

public sealed class MonolithTripsContract(MonolithTarget target) : TripsContract(target), IClassFixture<MonolithTarget>;

public sealed class TripsServiceContract(TripsServiceTarget target) : TripsContract(target), IClassFixture<TripsServiceTarget>;

public sealed class MonolithTripAssignmentConcurrency(MonolithTarget target) : TripAssignmentConcurrencyContract(target), IClassFixture<MonolithTarget>;

/// <summary>The Trips service with drivers owned by the Drivers service: both behind the proxy.</summary>
public sealed class TripsAndDriversServiceTarget : TripsServiceTarget
{
    protected override bool DriversOnService => true;
}

public sealed class TripsServiceContractWithDriversService(TripsAndDriversServiceTarget target) : TripsContract(target), IClassFixture<TripsAndDriversServiceTarget>;

public sealed class TripsServiceTripAssignmentConcurrencyWithDriversService(TripsAndDriversServiceTarget target)
    : TripAssignmentConcurrencyContract(target), IClassFixture<TripsAndDriversServiceTarget>;

public sealed class TripsServiceTripAssignmentConcurrency(TripsServiceTarget target) : TripAssignmentConcurrencyContract(target), IClassFixture<TripsServiceTarget>;
