namespace Strangler.Proxy.Routing;

/// <summary>
/// The stored route table cannot be read or used. <see cref="StoredVersion"/> is its version when that much
/// could be read, so a change can replace it (the running table is the last good one).
/// </summary>
public sealed class RouteStoreException(string message, long? storedVersion = null, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The version of the stored table, when it could be read.</summary>
    public long? StoredVersion { get; } = storedVersion;
}
