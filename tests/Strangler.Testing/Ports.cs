using System.Net;
using System.Net.Sockets;

namespace Strangler.Testing;

/// <summary>
/// Loopback ports for processes that must keep one address across restarts. A port handed out is never handed out
/// again, in this process or in another test process running at the same time (the test assemblies run in parallel):
/// each is reserved by an exclusive lock on a file named after it, held until this process ends.
/// </summary>
public static class Ports
{
    private static readonly HashSet<int> Handed = [];
    private static readonly List<FileStream> Reservations = [];
    private static readonly string ReservationFolder = Path.Combine(Path.GetTempPath(), "strangler-test-ports");

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

                if (!IsFree(port) || !Reserve(port))
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
                if (!offsets.All(o => !Handed.Contains(candidate + o) && IsFree(candidate + o)))
                {
                    continue;
                }

                var reserved = new List<int>();
                foreach (var offset in offsets)
                {
                    if (!Reserve(candidate + offset))
                    {
                        break;
                    }

                    reserved.Add(candidate + offset);
                }

                // Ports reserved for a base that fell through stay reserved (and unused): simpler than releasing them.
                Handed.UnionWith(reserved);
                if (reserved.Count == offsets.Count)
                {
                    return candidate;
                }
            }
        }

        throw new InvalidOperationException($"no base between 20000 and {32_000 - span} with all of its ports free");
    }

    /// <summary>Takes the port's reservation file for this process; false when another live test process holds it.</summary>
    private static bool Reserve(int port)
    {
        Directory.CreateDirectory(ReservationFolder);
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Unix: released by the kernel when this process ends.
            Reservations.Add(new FileStream(Path.Combine(ReservationFolder, port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            return true;
        }
        catch (IOException)
        {
            return false;
        }
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
