using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Strangler.Hosting.Postgres;

namespace Strangler.Hosting.Tests.Postgres;

/// <summary>
/// The embedded cluster against the machine's real PostgreSQL binaries; each test owns a temp folder
/// (and so its own cluster) and stops it at the end.
/// </summary>
public sealed class EmbeddedPostgresClusterTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"strangler-embedded-{Guid.NewGuid():N}");
    private readonly List<EmbeddedPostgresCluster> _started = [];

    private EmbeddedPostgresOptions Options => new() { DataDirectory = _folder, Durable = false };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var cluster in _started)
        {
            await cluster.DisposeAsync();
        }

        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private async Task<EmbeddedPostgresCluster> StartAsync()
    {
        var cluster = await EmbeddedPostgresCluster.StartAsync(Options, NullLogger.Instance, CancellationToken.None);
        _started.Add(cluster);
        return cluster;
    }

    private static async Task<string> SettingAsync(EmbeddedPostgresCluster cluster, string name)
    {
        await using var connection = new NpgsqlConnection(cluster.GetConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SHOW {name}", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task StartAsync_FreshFolder_CreatesLoopbackClusterWithLogicalWal()
    {
        var cluster = await StartAsync();

        Assert.True(cluster.StartedByThisProcess);
        Assert.Equal("logical", await SettingAsync(cluster, "wal_level"));
        Assert.Equal("127.0.0.1", await SettingAsync(cluster, "listen_addresses"));
        Assert.True(File.Exists(Path.Combine(_folder, "data", "PG_VERSION")));
    }

    [Fact]
    public async Task StartAsync_WrongPassword_IsRejected()
    {
        var cluster = await StartAsync();
        var wrong = new NpgsqlConnectionStringBuilder(cluster.GetConnectionString("postgres")) { Password = "guess" };

        await using var connection = new NpgsqlConnection(wrong.ConnectionString);

        await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
    }

    [Fact]
    public async Task StartAsync_AfterStop_KeepsDatabasesAndRows()
    {
        var first = await StartAsync();
        await first.EnsureDatabaseAsync("keep", CancellationToken.None);
        await using (var connection = new NpgsqlConnection(first.GetConnectionString("keep")))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42);", connection);
            await command.ExecuteNonQueryAsync();
        }

        await first.StopAsync(CancellationToken.None);
        NpgsqlConnection.ClearAllPools();
        var second = await StartAsync();

        Assert.True(second.StartedByThisProcess);
        await using var reopened = new NpgsqlConnection(second.GetConnectionString("keep"));
        await reopened.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT v FROM kept", reopened);
        Assert.Equal(42, (int)(await read.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task StartAsync_WhileAnotherInstanceRunsIt_AttachesAndLeavesItRunningOnDispose()
    {
        var owner = await StartAsync();

        var attached = await EmbeddedPostgresCluster.StartAsync(Options, NullLogger.Instance, CancellationToken.None);
        await attached.DisposeAsync();

        Assert.False(attached.StartedByThisProcess);
        Assert.Equal(owner.Port, attached.Port);
        Assert.Equal("logical", await SettingAsync(owner, "wal_level"));
    }

    [Fact]
    public async Task StartAsync_AdoptingAServerLeftRunning_StopsItOnDispose()
    {
        var leftBehind = await StartAsync(); // as a killed run leaves it (disposed only after the test, when already stopped)

        var adopted = await EmbeddedPostgresCluster.StartAsync(
            new EmbeddedPostgresOptions { DataDirectory = _folder, Durable = false, AdoptRunningServer = true }, NullLogger.Instance, CancellationToken.None);
        Assert.True(adopted.Adopted);
        Assert.Equal(leftBehind.Port, adopted.Port);
        await adopted.DisposeAsync();

        Assert.False(File.Exists(Path.Combine(_folder, "data", "postmaster.pid")), "the adopted server still runs");
        await using var connection = new NpgsqlConnection(leftBehind.GetConnectionString("postgres"));
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => connection.OpenAsync());
    }

    [Fact]
    public async Task EnsureDatabaseAsync_CalledTwice_CreatesOnce()
    {
        var cluster = await StartAsync();

        await cluster.EnsureDatabaseAsync("twice", CancellationToken.None);
        await cluster.EnsureDatabaseAsync("twice", CancellationToken.None);

        await using var connection = new NpgsqlConnection(cluster.GetConnectionString("twice"));
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = 'twice'", connection);
        Assert.Equal(1L, await count.ExecuteScalarAsync());
        Assert.Equal("twice", connection.Database);
    }

    [Fact]
    public async Task ResolveAsync_ConnectionStringConfigured_UsesItAndStartsNothing()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Main"] = "Host=db.example;Database=x",
                ["EmbeddedPostgres:DataDirectory"] = _folder,
            })
            .Build();

        await using var database = await ResolvedDatabase.ResolveAsync(configuration, "Main", "x", NullLogger.Instance, CancellationToken.None);

        Assert.Null(database.Cluster);
        Assert.Equal("Host=db.example;Database=x", database.ConnectionString);
        Assert.False(Directory.Exists(_folder));
    }

    [Fact]
    public async Task ResolveAsync_NoConnectionString_StartsEmbeddedClusterWithTheDatabase()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["EmbeddedPostgres:DataDirectory"] = _folder,
                ["EmbeddedPostgres:Durable"] = "false",
            })
            .Build();

        await using var database = await ResolvedDatabase.ResolveAsync(configuration, "Main", "appdb", NullLogger.Instance, CancellationToken.None);
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            Assert.Equal("appdb", connection.Database);
        }

        Assert.NotNull(database.Cluster);
        Assert.True(database.Cluster.StartedByThisProcess);
        await database.DisposeAsync();
        Assert.False(database.Cluster.StartedByThisProcess);
    }

    [Fact]
    public void Locate_ConfiguredFolderWithoutBinaries_ThrowsOneClearLine()
    {
        var error = Assert.Throws<PostgresBinariesNotFoundException>(() => PostgresBinaries.Locate(_folder));

        Assert.Contains("EmbeddedPostgres:BinDirectory", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Locate_NothingConfigured_FindsInitdbPgCtlAndPostgres()
    {
        var bin = PostgresBinaries.Locate();

        Assert.True(File.Exists(Path.Combine(bin, "initdb")));
        Assert.True(File.Exists(Path.Combine(bin, "pg_ctl")));
    }
}
