using System.Net;
using System.Net.Sockets;

namespace Strangler.Testing;

/// <summary>Loopback ports for processes that must keep one address across restarts.</summary>
public static class Ports
{
    private static readonly HashSet<int> Handed = [];

    /// <summary>A port free on loopback right now, outside the ephemeral range.</summary>
    public static int Free()
    {
        // Picked below the kernel's ephemeral range (32768-60999 here): a port taken from that range and bound only later
        // could be taken in between by one of the thousands of outgoing connections the load tests open (CI saw
        // "address already in use" for a proxy bound to a port picked this way). Never the same port twice per process.
        lock (Handed)
        {
            for (var attempt = 0; attempt < 2_000; attempt++)
            {
                var port = Random.Shared.Next(20_000, 32_000);
                if (Handed.Contains(port))
                {
                    continue;
                }

                if (!IsFree(port))
                {
                    continue;
                }

                Handed.Add(port);
                return port;
            }
        }

        throw new InvalidOperationException("no free port between 20000 and 32000");
    }

    /// <summary>
    /// A base port whose <paramref name="offsets"/> are all free right now and handed out by no other call in this
    /// process (the demo takes its ports as a base plus fixed offsets).
    /// </summary>
    public static int FreeBase(IReadOnlyList<int> offsets)
    {
        var span = offsets.Max() + 1;
        lock (Handed)
        {
            for (var attempt = 0; attempt < 2_000; attempt++)
            {
                var candidate = Random.Shared.Next(20_000, 32_000 - span);
                if (offsets.All(o => !Handed.Contains(candidate + o) && IsFree(candidate + o)))
                {
                    foreach (var offset in offsets)
                    {
                        Handed.Add(candidate + offset);
                    }

                    return candidate;
                }
            }
        }

        throw new InvalidOperationException($"no base between 20000 and {32_000 - span} with all of its ports free");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
