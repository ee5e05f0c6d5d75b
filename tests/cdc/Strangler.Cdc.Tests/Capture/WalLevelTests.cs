using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Strangler.Cdc.Capture;
using Strangler.Cdc.Delivery;
using Strangler.Hosting.Postgres;

namespace Strangler.Cdc.Tests.Capture;

/// <summary>A server without logical decoding: its own throwaway cluster, restarted with wal_level=replica.</summary>
public sealed class WalLevelTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"strangler-wal-{Guid.NewGuid():N}");
    private EmbeddedPostgresCluster? _cluster;

    public async Task InitializeAsync()
    {
        var options = new EmbeddedPostgresOptions { DataDirectory = _folder, Durable = false };
        var first = await EmbeddedPostgresCluster.StartAsync(options, NullLogger.Instance, CancellationToken.None);
        await using (var connection = new NpgsqlConnection(first.GetConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("ALTER SYSTEM SET wal_level = replica", connection);
            await command.ExecuteNonQueryAsync();
        }

        await first.StopAsync(CancellationToken.None);
        NpgsqlConnection.ClearAllPools();
        _cluster = await EmbeddedPostgresCluster.StartAsync(options, NullLogger.Instance, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task RunAsync_WalLevelReplica_FailsWithOneLineSayingWhatToSet()
    {
        var engine = new CdcEngine(
            new CdcOptions { ConnectionString = _cluster!.GetConnectionString("postgres"), Tables = ["public.anything"] },
            new EmbeddedSink((_, _) => ValueTask.CompletedTask), NullLogger.Instance);

        var error = await Assert.ThrowsAsync<CdcConfigurationException>(() => engine.RunAsync(CancellationToken.None));

        Assert.Equal("wal_level is 'replica', change data capture needs 'logical': set wal_level = logical in postgresql.conf and restart PostgreSQL.", error.Message);
    }
}
