using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Strangler.Hosting.Postgres;

/// <summary>
/// The database an app talks to: the configured connection string, or a database on the embedded
/// cluster when none is configured. Disposing stops the embedded server if this process started it.
/// </summary>
public sealed class ResolvedDatabase : IAsyncDisposable
{
    private ResolvedDatabase(string connectionString, EmbeddedPostgresCluster? cluster)
    {
        ConnectionString = connectionString;
        Cluster = cluster;
    }

    /// <summary>Connection string to use.</summary>
    public string ConnectionString { get; }

    /// <summary>The embedded cluster, when no connection string was configured.</summary>
    public EmbeddedPostgresCluster? Cluster { get; }

    /// <summary>
    /// Reads <c>ConnectionStrings:{name}</c>; when empty, starts (or attaches to) the embedded cluster
    /// configured by the <c>EmbeddedPostgres</c> section and ensures <paramref name="databaseName"/> exists.
    /// </summary>
    /// <exception cref="PostgresBinariesNotFoundException">No connection string and no local PostgreSQL binaries.</exception>
    public static async Task<ResolvedDatabase> ResolveAsync(
        IConfiguration configuration, string name, string databaseName, ILogger logger, CancellationToken cancellationToken)
    {
        var configured = configuration.GetConnectionString(name);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new ResolvedDatabase(configured, null);
        }

        var options = configuration.GetSection(EmbeddedPostgresOptions.SectionName).Get<EmbeddedPostgresOptions>()
            ?? new EmbeddedPostgresOptions();
        logger.LogInformation("No ConnectionStrings:{Name} configured; using the embedded PostgreSQL cluster", name);
        var cluster = await EmbeddedPostgresCluster.StartAsync(options, logger, cancellationToken);
        try
        {
            await cluster.EnsureDatabaseAsync(databaseName, cancellationToken);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return new ResolvedDatabase(cluster.GetConnectionString(databaseName), cluster);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}
