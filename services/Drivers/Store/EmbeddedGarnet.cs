using System.Net;
using System.Net.Sockets;
using Garnet;

namespace RideShare.Drivers.Store;

/// <summary>
/// Microsoft Garnet hosted in this process: a real Redis-protocol server on 127.0.0.1, durable through its
/// append-only log and recovered at start from its folder. The log is committed on request only
/// (<c>--aof-commit-freq -1</c>): <see cref="DriverStore"/> sends COMMITAOF after each write and acknowledges
/// nothing before it returns, so a crash loses nothing acknowledged. (<c>--aof-commit-wait</c> would flush after
/// every single key a script touches: about 15 times slower.) The single-machine default for the Drivers store.
/// </summary>
public sealed class EmbeddedGarnet : IDisposable
{
    private readonly GarnetServer _server;

    private EmbeddedGarnet(GarnetServer server, int port, string directory)
    {
        _server = server;
        Port = port;
        Directory = directory;
    }

    public int Port { get; }

    public string Directory { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static EmbeddedGarnet Start(DriverStoreOptions options)
    {
        var directory = Path.GetFullPath(options.DataDirectory);
        System.IO.Directory.CreateDirectory(directory);
        var port = options.Port != 0 ? options.Port : FreePort();
        var server = new GarnetServer(
        [
            "--bind", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-q", "--lua", "--aof", "--aof-commit-freq", "-1", "--checkpointdir", directory, "--recover", "--device-type", "RandomAccess",
        ]);
        server.Start();
        return new EmbeddedGarnet(server, port, directory);
    }

    public void Dispose() => _server.Dispose();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
