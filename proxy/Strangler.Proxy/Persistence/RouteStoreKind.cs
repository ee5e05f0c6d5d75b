namespace Strangler.Proxy.Persistence;

/// <summary>Where the route table is kept.</summary>
public enum RouteStoreKind
{
    /// <summary>A JSON file: one proxy (or replicas sharing a file system, without live notification).</summary>
    File,
    /// <summary>PostgreSQL: replicas share it and hear each other's changes (LISTEN/NOTIFY).</summary>
    Postgres,
}
