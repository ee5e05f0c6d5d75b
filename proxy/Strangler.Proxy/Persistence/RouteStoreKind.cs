namespace Strangler.Proxy.Persistence;

public enum RouteStoreKind
{
    File,
    Postgres,
}
