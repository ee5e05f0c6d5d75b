using System.Text;

namespace Strangler.Proxy.Cohorts;

/// <summary>
/// A user's stable cohort bucket (0–9999) for a route: FNV-1a over "route\nkey" with a 64-bit avalanche
/// finaliser. Deterministic across processes, replicas and restarts (unlike string.GetHashCode), so a user
/// stays on one backend; a canary at weight w takes buckets below w×100, so raising the weight only ever
/// adds users to the service.
/// </summary>
internal static class CohortHash
{
    public const int Buckets = 10_000;

    public static int Bucket(string routeId, string key)
    {
        const ulong offset = 14695981039346656037UL, prime = 1099511628211UL;
        var hash = offset;
        Span<byte> buffer = stackalloc byte[256];
        hash = Mix(hash, routeId, buffer);
        hash = (hash ^ (byte)'\n') * prime;
        hash = Mix(hash, key, buffer);

        // fmix64 (MurmurHash3): spreads FNV's weak low bits over the whole word.
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        hash *= 0xc4ceb9fe1a85ec53UL;
        hash ^= hash >> 33;
        return (int)(hash % Buckets);

        static ulong Mix(ulong h, string text, Span<byte> scratch)
        {
            var bytes = Encoding.UTF8.GetMaxByteCount(text.Length) <= scratch.Length
                ? scratch[..Encoding.UTF8.GetBytes(text, scratch)]
                : Encoding.UTF8.GetBytes(text);
            foreach (var b in bytes)
            {
                h = (h ^ b) * prime;
            }

            return h;
        }
    }

    /// <summary>True when the user's bucket falls inside a canary of <paramref name="weightPercent"/>.</summary>
    public static bool InCanary(string routeId, string key, int weightPercent) =>
        Bucket(routeId, key) < weightPercent * (Buckets / 100);
}
