namespace RideShare.Monolith.Hosting;

/// <summary>Schema handling at start-up, bound from the <c>Database</c> section.</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary>Name of the database created on the embedded cluster (ignored with a connection string).</summary>
    public string EmbeddedDatabaseName { get; set; } = "rideshare";

    /// <summary>Apply pending migrations when the server starts (default true).</summary>
    public bool MigrateOnStartup { get; set; } = true;
}
