using Strangler.Proxy.Cohorts;

namespace Strangler.Proxy.Tests.Cohorts;

/// <summary>
/// The cohort hash is a contract: a user's bucket must not move between versions or replicas, or users would
/// hop between legacy and service mid-canary. Buckets pinned from an independent implementation of the
/// documented function (FNV-1a 64 over "route\nkey" in UTF-8, MurmurHash3's fmix64, mod 10,000).
/// </summary>
public sealed class CohortHashTests
{
    [Theory]
    [InlineData("drivers", "user-1", 8171)]
    [InlineData("drivers", "user-2", 2131)]
    [InlineData("passengers", "user-1", 7104)] // same user, another route: salted by the route id
    [InlineData("trips", "42", 1192)]
    [InlineData("drivers", "Zoë", 8489)]       // UTF-8 bytes, not UTF-16
    [InlineData("drivers", "", 2772)]
    [InlineData("edge", "k6338", 0)]
    [InlineData("edge", "k10373", 9999)]
    public void Bucket_IsPinned(string route, string key, int bucket) => Assert.Equal(bucket, CohortHash.Bucket(route, key));

    [Fact]
    public void Bucket_OfALongKey_UsesEveryByte()
    {
        var key = new string('x', 1000);
        Assert.NotEqual(CohortHash.Bucket("r", key), CohortHash.Bucket("r", key + "y"));
        Assert.InRange(CohortHash.Bucket("r", key), 0, 9999);
    }

    [Theory]
    [InlineData("k29350", 25, true)]   // bucket 2499: the last one inside 25 %
    [InlineData("k14891", 25, false)]  // bucket 2500: the first one outside
    [InlineData("k14891", 26, true)]
    [InlineData("k6338", 1, true)]     // bucket 0
    [InlineData("k6338", 0, false)]
    [InlineData("k10373", 99, false)]  // bucket 9999
    [InlineData("k10373", 100, true)]
    public void InCanary_AtTheBucketEdges(string key, int weight, bool inside) => Assert.Equal(inside, CohortHash.InCanary("edge", key, weight));

    [Fact]
    public void RaisingTheWeight_OnlyAddsUsers()
    {
        var users = Enumerable.Range(0, 2000).Select(i => $"u{i}").ToList();
        for (var weight = 0; weight < 100; weight += 7)
        {
            var inLower = users.Where(u => CohortHash.InCanary("r", u, weight));
            Assert.All(inLower, u => Assert.True(CohortHash.InCanary("r", u, weight + 7)));
        }
    }
}
