using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Npgsql;
using NpgsqlTypes;
using RideShare.Contracts.Http;
using RideShare.Drivers.Hosting;
using RideShare.Drivers.Store;
using RideShare.Drivers.Sync;
using RideShare.Monolith.Hosting;
using RideShare.Passengers.Hosting;
using RideShare.Passengers.Store;
using RideShare.Passengers.Sync;
using RideShare.Services.Tests.Contract;
using Strangler.Cdc.Sync.Reconcile;

namespace RideShare.Services.Tests.Sync;

/// <summary>
/// The extraction as a user runs it, for one test class: the monolith on a fresh legacy database, and the Drivers
/// and Passengers services as replicas syncing from it with slots of their own (Drivers on embedded Garnet in a
/// temp folder, Passengers on a database of its own). Rows created before the services start reach them through
/// the snapshot. Everything is real: PostgreSQL, Garnet over its Redis protocol, HTTP over loopback.
/// </summary>
public class SyncedStack : IAsyncLifetime
{
    public const int SeededDrivers = 12;
    public const int SeededPassengers = 12;

    private readonly PostgresDatabase _legacy = new();
    private readonly PostgresDatabase _passengersDatabase = new();
    private readonly PostgresDatabase _tripsDatabase = new();
    private readonly List<ServiceTarget> _targets = [];

    public TempDirectory DriversFolder { get; } = new();

    public ServiceTarget Monolith { get; } = new();

    public ServiceTarget Drivers { get; } = new();

    public ServiceTarget Passengers { get; } = new();

    public ServiceTarget Trips { get; } = new();

    public string TripsConnectionString => _tripsDatabase.ConnectionString;

    public string LegacyConnectionString => _legacy.ConnectionString;

    public string PassengersConnectionString => _passengersDatabase.ConnectionString;

    public static JsonSerializerOptions ContractOptions { get; } = CreateContractOptions();

    /// <summary>Arguments that point a Drivers service at this stack, after <paramref name="first"/> (a command and its flags).</summary>
    public string[] DriversArgs(params string[] first) =>
    [
        .. first,
        $"--ConnectionStrings:Legacy={LegacyConnectionString}", $"--DriverStore:DataDirectory={DriversFolder.Path}",
        $"--Sync:Slot={SlotName("drivers")}", $"--Sync:Publication={SlotName("drivers")}", "--Sync:HeartbeatIntervalMilliseconds=200",
        "--urls=http://127.0.0.1:0", "--Log:MinimumLevel=Warning",
    ];

    public string[] PassengersArgs(params string[] first) =>
    [
        .. first,
        $"--ConnectionStrings:Legacy={LegacyConnectionString}", $"--ConnectionStrings:Passengers={PassengersConnectionString}",
        $"--Sync:Slot={SlotName("passengers")}", $"--Sync:Publication={SlotName("passengers")}", "--Sync:HeartbeatIntervalMilliseconds=200",
        "--urls=http://127.0.0.1:0", "--Log:MinimumLevel=Warning",
    ];

    public string[] TripsArgs(params string[] first) =>
    [
        .. first,
        $"--ConnectionStrings:Legacy={LegacyConnectionString}", $"--ConnectionStrings:Trips={TripsConnectionString}",
        $"--Sync:Slot={SlotName("trips")}", $"--Sync:Publication={SlotName("trips")}", "--Sync:HeartbeatIntervalMilliseconds=200",
        "--urls=http://127.0.0.1:0", "--Log:MinimumLevel=Warning", .. TripsExtraArgs,
    ];

    /// <summary>Extra Trips service settings (e.g. its gateway).</summary>
    protected virtual IEnumerable<string> TripsExtraArgs => [];

    /// <summary>Slots are per server: each stack names its own.</summary>
    public string SlotName(string service) => $"sync_{service}_{new NpgsqlConnectionStringBuilder(LegacyConnectionString).Database![^16..]}".ToLowerInvariant();

    /// <summary>Start the Drivers service in this process (false when a test runs it as a child process).</summary>
    protected virtual bool StartDrivers => true;

    protected virtual bool StartPassengers => true;

    /// <summary>Extra monolith settings (e.g. reaching drivers through the proxy).</summary>
    protected virtual IEnumerable<string> MonolithArgs => [];

    /// <summary>Start the Trips service as a replica too (only the classes about trips need it).</summary>
    protected virtual bool StartTrips => false;

    public virtual async Task InitializeAsync()
    {
        await _legacy.InitializeAsync();
        await _passengersDatabase.InitializeAsync();
        if (StartTrips)
        {
            await _tripsDatabase.InitializeAsync();
        }

        await Monolith.StartWebAsync(RideShareApp.StartAsync(
            [$"--ConnectionStrings:RideShare={LegacyConnectionString}", "--urls=http://127.0.0.1:0", "--Log:MinimumLevel=Warning", .. MonolithArgs], CancellationToken.None));
        _targets.Add(Monolith);
        for (var i = 0; i < SeededDrivers; i++)
        {
            await Monolith.Api.CreateDriverAsync();
        }

        for (var i = 0; i < SeededPassengers; i++)
        {
            await Monolith.Api.CreatePassengerAsync();
        }

        if (StartDrivers)
        {
            await Drivers.StartWebAsync(DriversApp.StartAsync(DriversArgs(), CancellationToken.None));
            _targets.Add(Drivers);
            await StreamingAsync(Drivers);
        }

        if (StartPassengers)
        {
            await Passengers.StartWebAsync(PassengersApp.StartAsync(PassengersArgs(), CancellationToken.None));
            _targets.Add(Passengers);
            await StreamingAsync(Passengers);
        }

        if (StartTrips)
        {
            await Trips.StartWebAsync(RideShare.Trips.Hosting.TripsApp.StartAsync(TripsArgs(), CancellationToken.None));
            _targets.Add(Trips);
            await StreamingAsync(Trips);
        }
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var target in Enumerable.Reverse(_targets))
        {
            await target.StopWebAsync();
        }

        await _legacy.DisposeAsync();
        await _passengersDatabase.DisposeAsync();
        if (StartTrips)
        {
            await _tripsDatabase.DisposeAsync();
        }

        DriversFolder.Dispose();
    }

    /// <summary>Legacy's current WAL position: every change committed so far lies before it.</summary>
    public async Task<ulong> LegacyLsnAsync() =>
        (ulong)await Sql.ScalarAsync<NpgsqlLogSequenceNumber>(LegacyConnectionString, "SELECT pg_current_wal_insert_lsn()");

    /// <summary>Waits until <paramref name="service"/> has applied everything committed in legacy so far.</summary>
    public static async Task CaughtUpAsync(ServiceTarget service, ulong lsn, int timeoutMs = 60_000) =>
        await Eventually.TrueAsync(async () => (await StatusAsync(service)).GetProperty("appliedLsn").GetUInt64() >= lsn, $"the service applying legacy up to {lsn}", timeoutMs);

    public async Task CaughtUpAsync(ServiceTarget service) => await CaughtUpAsync(service, await LegacyLsnAsync());

    /// <summary>Waits until <paramref name="service"/>'s reverse sync has put every write the service took into legacy.</summary>
    public static async Task ReverseSettledAsync(ServiceTarget service) =>
        await Eventually.TrueAsync(async () =>
        {
            var reverse = (await StatusAsync(service)).GetProperty("reverse");
            return reverse.GetProperty("appliedPosition").GetUInt64() >= reverse.GetProperty("writtenPosition").GetUInt64();
        }, "the reverse sync to apply every service write", 30_000);

    /// <summary>Waits until legacy shows driver <paramref name="id"/> available (a service's write brought back by the reverse sync).</summary>
    public async Task AvailableInLegacyAsync(long id) =>
        await Eventually.TrueAsync(async () =>
        {
            var inLegacy = await Monolith.Client.GetAsync($"/api/drivers/{id}");
            return inLegacy.StatusCode == System.Net.HttpStatusCode.OK
                && (await inLegacy.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString() == "available";
        }, $"driver {id}, available, in legacy");

    /// <summary>Waits until the service's sync has loaded its snapshot and streams (tests then write knowing what the snapshot held).</summary>
    public static async Task StreamingAsync(ServiceTarget service) =>
        await Eventually.TrueAsync(async () => (await StatusAsync(service)).GetProperty("state").GetString() == "streaming", "the sync streaming", 60_000);

    public static async Task<JsonElement> StatusAsync(ServiceTarget service) => await service.Client.GetFromJsonAsync<JsonElement>("/sync/status");

    public Reconciler DriversReconciler(DriverStore store, ReconcileOptions? options = null) => new(
        LegacyConnectionString, DriverProjection.Table, "id", row => DriverReconcileStore.Canonical(row, ContractOptions),
        new DriverReconcileStore(store, ContractOptions), options ?? new ReconcileOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

    public Reconciler PassengersReconciler(PassengerStore store, ReconcileOptions? options = null) => new(
        LegacyConnectionString, PassengerProjection.Table, "id", row => PassengerReconcileStore.Canonical(row, ContractOptions),
        new PassengerReconcileStore(store, ContractOptions), options ?? new ReconcileOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

    public Reconciler TripsReconciler(ReconcileOptions? options = null)
    {
        var db = RideShare.Trips.Hosting.TripsApp.DbOptions(TripsConnectionString);
        var dataSource = NpgsqlDataSource.Create(TripsConnectionString);
        return new(
            LegacyConnectionString, RideShare.Trips.Sync.TripProjection.Table, "id", row => RideShare.Trips.Sync.TripReconcileStore.Canonical(row, ContractOptions),
            new RideShare.Trips.Sync.TripReconcileStore(() => new RideShare.Trips.Store.TripsDbContext(db), new RideShare.Trips.Sync.TripSyncStore(dataSource), ContractOptions),
            options ?? new ReconcileOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
    }

    private static JsonSerializerOptions CreateContractOptions()
    {
        var options = new JsonOptions().SerializerOptions;
        ContractJson.Configure(options);
        return options;
    }
}

/// <summary>A running app of the stack: its client, and its services once started in this process.</summary>
public sealed class ServiceTarget : WebTarget
{
    public IServiceProvider Services => App!.Services;

    public Task StartWebAsync(Task<Microsoft.AspNetCore.Builder.WebApplication> starting) => StartAsync(starting);

    public Task StopWebAsync() => StopAsync();
}
