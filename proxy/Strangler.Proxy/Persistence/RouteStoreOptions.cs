namespace Strangler.Proxy.Persistence;

/// <summary>Where the route table and audit log live (<c>Proxy:Store</c>).</summary>
public sealed class RouteStoreOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "Proxy:Store";

    /// <summary><c>File</c> (one proxy) or <c>Postgres</c> (replicas sharing one table, LISTEN/NOTIFY).</summary>
    public RouteStoreKind Kind { get; set; } = RouteStoreKind.File;

    /// <summary>File store: the route table (written atomically); the audit log goes beside it as audit.jsonl.</summary>
    public string FilePath { get; set; } = Path.Combine(".strangler", "proxy", "routes.json");

    /// <summary>Postgres store: connection string.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Postgres store: a full reload this often even without notifications (missed while reconnecting), milliseconds.</summary>
    public int PollMilliseconds { get; set; } = 5_000;
}
