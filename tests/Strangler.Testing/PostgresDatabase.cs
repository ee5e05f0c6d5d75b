using Xunit;

namespace Strangler.Testing;

/// <summary>
/// A fresh database for one test class (use as <c>IClassFixture&lt;PostgresDatabase&gt;</c>), dropped when
/// the class is done.
/// </summary>
public class PostgresDatabase : IAsyncLifetime
{
    /// <summary>The database's connection string (available after InitializeAsync).</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>The shared server this database lives on.</summary>
    public PostgresServer Server { get; private set; } = null!;

    /// <inheritdoc />
    public virtual async Task InitializeAsync()
    {
        Server = await PostgresServer.GetAsync();
        ConnectionString = await Server.CreateDatabaseAsync(GetType().Name);
    }

    /// <inheritdoc />
    public virtual async Task DisposeAsync() => await Server.DropDatabaseAsync(ConnectionString);
}
