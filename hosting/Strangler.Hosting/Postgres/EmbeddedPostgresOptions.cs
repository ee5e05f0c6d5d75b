namespace Strangler.Hosting.Postgres;

/// <summary>
/// How the embedded PostgreSQL cluster is laid out and started. Bound from the <c>EmbeddedPostgres</c>
/// configuration section; used only when no connection string is configured.
/// </summary>
public sealed class EmbeddedPostgresOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "EmbeddedPostgres";

    /// <summary>
    /// Folder holding the cluster (data/, password, server.log). Relative paths are resolved against the
    /// current working directory. Default <c>.strangler/postgres</c>, so a restart keeps the data.
    /// </summary>
    public string DataDirectory { get; set; } = Path.Combine(".strangler", "postgres");

    /// <summary>
    /// Folder with initdb, pg_ctl and postgres. Empty: search PATH, <c>pg_config --bindir</c>, then
    /// <c>/usr/lib/postgresql/&lt;newest&gt;/bin</c>.
    /// </summary>
    public string? BinDirectory { get; set; }

    /// <summary>TCP port on 127.0.0.1. 0 (default): any free port, chosen at each start.</summary>
    public int Port { get; set; }

    /// <summary>Superuser created by initdb.</summary>
    public string Username { get; set; } = "strangler";

    /// <summary>
    /// Durable (fsync on, default) for data you keep; false for throwaway test clusters, which then skip
    /// fsync and full-page writes.
    /// </summary>
    public bool Durable { get; set; } = true;

    /// <summary>
    /// When a server already runs on this data folder: false (default) attaches and leaves it running at the end, as
    /// another process started it; true also takes it over and stops it at the end — for a caller that knows nothing
    /// else of its own uses the folder (the CLI's demo, whose ports were free, adopting a server an earlier, killed run
    /// left behind).
    /// </summary>
    public bool AdoptRunningServer { get; set; }

    /// <summary>Seconds to wait for the server to start or stop.</summary>
    public int StartTimeoutSeconds { get; set; } = 60;
}
