using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Routing;

/// <summary>Durable home of the route table and its audit log.</summary>
public interface IRouteStore
{
    /// <summary>Where the table lives, for messages (e.g. "file /srv/proxy/routes.json").</summary>
    string Description { get; }

    /// <summary>The stored table, or null when nothing was ever stored.</summary>
    /// <exception cref="RouteStoreException">The stored content is not a route table.</exception>
    Task<RouteTableSnapshot?> LoadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="next"/> and appends <paramref name="audit"/> atomically, if the stored version is
    /// still <paramref name="expectedVersion"/>; false when another writer got there first.
    /// </summary>
    Task<bool> TrySaveAsync(RouteTableSnapshot next, long expectedVersion, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>The newest audit entries, newest first.</summary>
    Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(int limit, CancellationToken cancellationToken);

    /// <summary>Signals that another writer changed the table (replicas); completes when cancelled.</summary>
    IAsyncEnumerable<long> WatchAsync(CancellationToken cancellationToken);
}
