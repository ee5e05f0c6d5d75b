using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Strangler.Hosting.Postgres;

/// <summary>
/// A PostgreSQL cluster run from the machine's own binaries: created on first use under a folder of the
/// working directory, started on 127.0.0.1 with <c>wal_level=logical</c>, and reused when another process
/// (a service, the CDC connector) already runs it. Stops the server on dispose only if it started it.
/// </summary>
public sealed class EmbeddedPostgresCluster : IAsyncDisposable
{
    private readonly EmbeddedPostgresOptions _options;
    private readonly ILogger _logger;
    private readonly string _binDirectory;
    private readonly string _dataDirectory;
    private bool _startedByUs;

    private EmbeddedPostgresCluster(EmbeddedPostgresOptions options, ILogger logger, string binDirectory, string root)
    {
        _options = options;
        _logger = logger;
        _binDirectory = binDirectory;
        RootDirectory = root;
        _dataDirectory = Path.Combine(root, "data");
    }

    /// <summary>The folder holding data/, the password file and server.log.</summary>
    public string RootDirectory { get; }

    /// <summary>The TCP port the server listens on (127.0.0.1 only).</summary>
    public int Port { get; private set; }

    /// <summary>The superuser's password (generated at initdb, kept in the cluster folder, mode 600).</summary>
    public string Password { get; private set; } = "";

    /// <summary>True when this instance started the server, or adopted it, and so stops it on dispose.</summary>
    public bool StartedByThisProcess => _startedByUs;

    /// <summary>
    /// Creates the cluster when missing and starts it, or attaches to it when it already runs.
    /// </summary>
    /// <exception cref="PostgresBinariesNotFoundException">No PostgreSQL binaries on this machine.</exception>
    public static async Task<EmbeddedPostgresCluster> StartAsync(
        EmbeddedPostgresOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var bin = PostgresBinaries.Locate(options.BinDirectory);
        var root = ResolveRoot(options.DataDirectory);
        var cluster = new EmbeddedPostgresCluster(options, logger, bin, root);
        await cluster.StartCoreAsync(cancellationToken);
        return cluster;
    }

    /// <summary>A connection string for <paramref name="database"/> on this cluster.</summary>
    public string GetConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = _options.Username,
        Password = Password,
        Database = database,
    }.ConnectionString;

    /// <summary>Creates <paramref name="database"/> when it does not exist.</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(GetConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.Add(new NpgsqlParameter { Value = database });
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE {QuoteIdentifier(database)}", connection);
            try
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
            {
                // Another process created it between our check and our CREATE: that is what we wanted.
            }
        }
    }

    /// <summary>True when a server was already running on the folder and this instance took it over (<see cref="EmbeddedPostgresOptions.AdoptRunningServer"/>).</summary>
    public bool Adopted { get; private set; }

    /// <summary>Stops the server (fast shutdown) if this instance started or adopted it.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_startedByUs)
        {
            return;
        }

        _startedByUs = false;
        var (exitCode, output) = await ProcessRunner.RunAsync(
            Tool("pg_ctl"),
            ["stop", "-D", _dataDirectory, "-m", "fast", "-w", "-t", Timeout],
            asServerUser: true,
            cancellationToken);
        if (exitCode == 0)
        {
            _logger.LogInformation("Embedded PostgreSQL at {DataDirectory} stopped", _dataDirectory);
        }
        else
        {
            // Already stopped (e.g. Ctrl+C reached the server too): nothing left to do.
            _logger.LogDebug("pg_ctl stop: {Output}", output);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    private string Timeout => _options.StartTimeoutSeconds.ToString(CultureInfo.InvariantCulture);

    private string Tool(string name) => Path.Combine(_binDirectory, name);

    private string PasswordFile => Path.Combine(RootDirectory, "password");

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(RootDirectory);
        if (!File.Exists(Path.Combine(_dataDirectory, "PG_VERSION")))
        {
            await InitAsync(cancellationToken);
        }

        Password = (await File.ReadAllTextAsync(PasswordFile, cancellationToken)).Trim();

        if (TryReadRunningPort() is { } runningPort && await IsRunningAsync(cancellationToken))
        {
            Port = runningPort;
            Adopted = _startedByUs = _options.AdoptRunningServer;
            _logger.LogInformation(
                "Embedded PostgreSQL already running at {DataDirectory} on 127.0.0.1:{Port}; attaching{Adopting}", _dataDirectory, Port,
                Adopted ? " (and stopping it at the end)" : "");
            return;
        }

        Port = _options.Port != 0 ? _options.Port : FreePort();
        var logFile = Path.Combine(RootDirectory, "server.log");
        var (exitCode, output) = await ProcessRunner.RunAsync(
            Tool("pg_ctl"),
            ["start", "-D", _dataDirectory, "-l", logFile, "-w", "-t", Timeout, "-o", $"-p {Port}"],
            asServerUser: true,
            cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException(
                $"Embedded PostgreSQL did not start (pg_ctl exit {exitCode}): {output}. See {logFile}.");
        }

        _startedByUs = true;
        _logger.LogInformation(
            "Embedded PostgreSQL started at {DataDirectory} on 127.0.0.1:{Port}", _dataDirectory, Port);
    }

    private async Task InitAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Creating embedded PostgreSQL cluster at {DataDirectory}", _dataDirectory);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        await File.WriteAllTextAsync(PasswordFile, password, cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await GiveToServerUserAsync(cancellationToken);

        await ProcessRunner.RunCheckedAsync(
            Tool("initdb"),
            [
                "-D", _dataDirectory, "-U", _options.Username, "--pwfile", PasswordFile,
                "--auth", "scram-sha-256", "--encoding", "UTF8", "--locale", "C",
                .. (_options.Durable ? Array.Empty<string>() : ["--no-sync"]),
            ],
            asServerUser: true,
            cancellationToken);

        // Settings every consumer relies on: loopback only, no Unix socket (no shared /var/run folder
        // needed), logical decoding for CDC.
        var settings = new StringBuilder()
            .AppendLine()
            .AppendLine("# Strangler embedded cluster")
            .AppendLine("listen_addresses = '127.0.0.1'")
            .AppendLine("unix_socket_directories = ''")
            .AppendLine("wal_level = logical")
            .AppendLine("max_replication_slots = 64") // slots and, as many, replication origins (one per reverse sync)
            .AppendLine("max_wal_senders = 64")
            .AppendLine("max_connections = 200");
        if (!_options.Durable)
        {
            settings.AppendLine("fsync = off")
                .AppendLine("synchronous_commit = off")
                .AppendLine("full_page_writes = off");
        }

        await File.AppendAllTextAsync(Path.Combine(_dataDirectory, "postgresql.conf"), settings.ToString(), cancellationToken);
    }

    /// <summary>As root the server runs as 'postgres', which must own the cluster folder.</summary>
    private async Task GiveToServerUserAsync(CancellationToken cancellationToken)
    {
        if (!ProcessRunner.IsRoot)
        {
            return;
        }

        await ProcessRunner.RunCheckedAsync(
            "chown", ["-R", $"{ProcessRunner.ServerUser}:{ProcessRunner.ServerUser}", RootDirectory],
            asServerUser: false, cancellationToken);
    }

    private async Task<bool> IsRunningAsync(CancellationToken cancellationToken)
    {
        var (exitCode, _) = await ProcessRunner.RunAsync(
            Tool("pg_ctl"), ["status", "-D", _dataDirectory], asServerUser: true, cancellationToken);
        return exitCode == 0;
    }

    /// <summary>The port line (4th) of postmaster.pid, present while a server runs on this data folder.</summary>
    private int? TryReadRunningPort()
    {
        var pidFile = Path.Combine(_dataDirectory, "postmaster.pid");
        try
        {
            var lines = File.ReadAllLines(pidFile);
            return lines.Length >= 4 && int.TryParse(lines[3], out var port) ? port : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// The cluster folder. As root, the server user must be able to reach it; a working directory under a
    /// private home (e.g. /root) is not reachable, so the cluster then lives under /var/lib/strangler in
    /// a folder named after the working directory, still one per checkout and kept across restarts.
    /// </summary>
    private static string ResolveRoot(string configured)
    {
        var root = Path.GetFullPath(configured);
        if (OperatingSystem.IsWindows() || !ProcessRunner.IsRoot || ServerUserCanReach(root))
        {
            return root;
        }

        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(root)))[..12].ToLowerInvariant();
        return Path.Combine("/var/lib/strangler", hash);
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static bool ServerUserCanReach(string path)
    {
        // Every existing ancestor must be searchable by "others" (the server user is not root).
        for (var dir = Path.GetDirectoryName(path); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (!Directory.Exists(dir))
            {
                continue;
            }

            if (!File.GetUnixFileMode(dir).HasFlag(UnixFileMode.OtherExecute))
            {
                return false;
            }
        }

        return true;
    }

    internal static string QuoteIdentifier(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
