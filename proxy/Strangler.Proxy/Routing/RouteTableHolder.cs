namespace Strangler.Proxy.Routing;

/// <summary>Holds the live route table; swapped atomically, read lock-free on every request.</summary>
internal sealed class RouteTableHolder
{
    private RouteTable _current = new(RouteTableSnapshot.Empty);

    public RouteTable Current => Volatile.Read(ref _current);

    /// <summary>Installs <paramref name="snapshot"/> unless the live table is already as new or newer.</summary>
    public bool TryInstall(RouteTableSnapshot snapshot)
    {
        var next = new RouteTable(snapshot);
        while (true)
        {
            var current = Current;
            if (snapshot.Version <= current.Version && current.Version != 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _current, next, current) == current)
            {
                return true;
            }
        }
    }
}
