using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace RideShare.Drivers.Store;

/// <summary>
/// The Drivers store's connection: to the server <c>ConnectionStrings:Drivers</c> names, or else to Garnet hosted
/// in this process on its folder. A process that finds the folder's Garnet already served by a running Drivers
/// service (its port file answers) connects to that one instead of opening the folder twice — so
/// <c>reconcile</c> works beside a running service.
/// </summary>
public sealed class DriverStoreConnection : IAsyncDisposable
{
    private const string PortFile = "garnet.port";

    private DriverStoreConnection(ConnectionMultiplexer redis, EmbeddedGarnet? garnet, string description)
    {
        Redis = redis;
        Garnet = garnet;
        Description = description;
    }

    public ConnectionMultiplexer Redis { get; }

    /// <summary>The Garnet this process hosts, when it hosts one.</summary>
    public EmbeddedGarnet? Garnet { get; }

    /// <summary>True for an embedded Garnet (this process's, or a running service's): writes are followed by COMMITAOF.</summary>
    public bool IsEmbedded { get; private init; }

    /// <summary>The store's API over this connection.</summary>
    /// <summary>A store on this connection; <paramref name="outbox"/>: API writes also go to the outbox the reverse sync reads.</summary>
    public DriverStore CreateStore(bool outbox = false) => new(Redis, IsEmbedded, outbox);

    /// <summary>Where the store is, for logs ("embedded Garnet at …", "redis at …").</summary>
    public string Description { get; }

    public static async Task<DriverStoreConnection> OpenAsync(string? connectionString, DriverStoreOptions options, ILogger logger)
    {
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            var external = await ConnectAsync(connectionString);
            return new DriverStoreConnection(external, null, $"the Redis-protocol server at {connectionString}");
        }

        var directory = Path.GetFullPath(options.DataDirectory);
        var portFile = Path.Combine(directory, PortFile);
        if (File.Exists(portFile) && int.TryParse(await File.ReadAllTextAsync(portFile), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            try
            {
                var running = await ConnectAsync($"127.0.0.1:{port},connectTimeout=1000,abortConnect=true");
                logger.LogInformation("The drivers store at {Directory} is served by a running process on port {Port}; using it", directory, port);
                return new DriverStoreConnection(running, null, $"the embedded Garnet of a running Drivers service (127.0.0.1:{port})") { IsEmbedded = true };
            }
            catch (RedisConnectionException)
            {
                // Left by a process that has stopped: the folder is ours to open.
            }
        }

        var garnet = EmbeddedGarnet.Start(options);
        try
        {
            await File.WriteAllTextAsync(portFile, garnet.Port.ToString(CultureInfo.InvariantCulture));
            var redis = await ConnectAsync(garnet.ConnectionString);
            logger.LogInformation("Drivers store: embedded Garnet on 127.0.0.1:{Port}, data in {Directory}", garnet.Port, directory);
            return new DriverStoreConnection(redis, garnet, $"embedded Garnet at {directory} (127.0.0.1:{garnet.Port})") { IsEmbedded = true };
        }
        catch
        {
            garnet.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Redis.CloseAsync();
        Redis.Dispose();
        if (Garnet is not null)
        {
            File.Delete(Path.Combine(Garnet.Directory, PortFile));
            Garnet.Dispose();
        }
    }

    private static async Task<ConnectionMultiplexer> ConnectAsync(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = true;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }
}
