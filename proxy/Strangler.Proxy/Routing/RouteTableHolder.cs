namespace Strangler.Proxy.Routing;

/// <summary>Holds the live route table; swapped atomically, read lock-free on every request.</summary>
internal sealed class RouteTableHolder
{
    private RouteTable _current = new(RouteTableSnapshot.Empty);

    public RouteTable Current => Volatile.Read(ref _current);

    /// <summary>
    /// Installs <paramref name="next"/> (already compiled, so installing cannot fail) unless the live table is
    /// already as new or newer; routes the new table does not carry over are retired.
    /// </summary>
    public bool TryInstall(RouteTable next)
    {
        while (true)
        {
            var current = Current;
            if (next.Version <= current.Version && current.Version != 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _current, next, current) == current)
            {
                next.RetireRoutesOf(current);
                return true;
            }
        }
    }
}
