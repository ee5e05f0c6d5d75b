using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Strangler.Hosting.Postgres;
using Testcontainers.PostgreSql;

namespace Strangler.Testing;

/// <summary>
/// One real PostgreSQL server (wal_level=logical) for the whole test run: a Testcontainers container when a
/// Docker engine is reachable, otherwise a throwaway cluster from the local binaries (temp folder, fsync
/// off). Tests never share a database: each class asks for its own (<see cref="CreateDatabaseAsync"/>).
/// </summary>
public sealed class PostgresServer
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static PostgresServer? _instance;

    private readonly NpgsqlConnectionStringBuilder _admin;

    private PostgresServer(string adminConnectionString) => _admin = new NpgsqlConnectionStringBuilder(adminConnectionString);

    /// <summary>The server, started on first use and stopped when the test process exits.</summary>
    public static async Task<PostgresServer> GetAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _instance ??= await StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Connection string for <paramref name="database"/> on this server.</summary>
    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(_admin.ConnectionString) { Database = database }.ConnectionString;

    /// <summary>Creates a fresh, uniquely named database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{Sanitize(prefix)}_{Guid.NewGuid():N}"[..Math.Min(63, Sanitize(prefix).Length + 33)];
        await Sql.ExecuteAsync(_admin.ConnectionString, $"CREATE DATABASE \"{name}\"");
        return ConnectionString(name);
    }

    /// <summary>
    /// Drops a database made by <see cref="CreateDatabaseAsync"/>, closing its connections and dropping the
    /// replication slots left on it (a database with a logical slot cannot be dropped).
    /// </summary>
    public async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Sql.ExecuteAsync(_admin.ConnectionString, $"""
                    SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = '{name}' AND active_pid IS NOT NULL;
                    SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '{name}' AND NOT active;
                    """);
                await Sql.ExecuteAsync(_admin.ConnectionString, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                // Replication origins are cluster-wide and hold a replication state slot each: drop the reverse syncs'
                // origins of this database's stacks (named after their slots, which end with the database name's tail).
                await Sql.ExecuteAsync(_admin.ConnectionString, $"""
                    SELECT pg_replication_origin_drop(roname) FROM pg_replication_origin WHERE roname LIKE '%{name[^16..].ToLowerInvariant()}'
                    """);
                return;
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.ObjectInUse && attempt < 50)
            {
                // A slot's walsender was still exiting: its slot becomes droppable within moments.
                await Task.Delay(100);
            }
        }
    }

    private static async Task<PostgresServer> StartAsync()
    {
        if (DockerEngine.IsReachable)
        {
            var container = new PostgreSqlBuilder("postgres:15")
                .WithCommand("-c", "wal_level=logical", "-c", "max_replication_slots=100", "-c", "max_wal_senders=100", "-c", "fsync=off")
                .Build();
            await container.StartAsync();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => container.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return new PostgresServer(
                new NpgsqlConnectionStringBuilder(container.GetConnectionString()) { Database = "postgres" }.ConnectionString);
        }

        SweepLeftovers();
        var folder = Path.Combine(Path.GetTempPath(), $"{FolderPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}"[..48]);
        var cluster = await EmbeddedPostgresCluster.StartAsync(
            new EmbeddedPostgresOptions { DataDirectory = folder, Durable = false },
            NullLogger.Instance,
            CancellationToken.None);
        // xUnit v2 has no assembly-level teardown: stop the server and remove its files when the process ends.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            cluster.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder left behind is harmless.
            }
        };
        return new PostgresServer(cluster.GetConnectionString("postgres"));
    }

    private const string FolderPrefix = "strangler-tests-";

    /// <summary>
    /// Removes the clusters of test processes that are gone. The exit handler below stops the server but rarely
    /// lives long enough to delete its ~60 MB folder (the test host is ended right after), so every run cleans up
    /// after the earlier ones; a folder whose process still runs (a parallel test assembly) is left alone.
    /// </summary>
    private static void SweepLeftovers()
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            var name = Path.GetFileName(folder)[FolderPrefix.Length..];
            if (!int.TryParse(name.Split('-')[0], out var pid) || IsRunning(pid))
            {
                continue;
            }

            // Its server may still run if the test process was killed: stop it before deleting its files.
            var pidFile = Path.Combine(folder, "data", "postmaster.pid");
            if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var postmaster) && IsRunning(postmaster))
            {
                try
                {
                    using var server = System.Diagnostics.Process.GetProcessById(postmaster);
                    server.Kill(entireProcessTree: true);
                    server.WaitForExit(TimeSpan.FromSeconds(30));
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    continue;
                }
            }

            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another test process is sweeping the same folder.
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string Sanitize(string prefix) =>
        new(prefix.ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c == '_').Take(28).ToArray());
}
