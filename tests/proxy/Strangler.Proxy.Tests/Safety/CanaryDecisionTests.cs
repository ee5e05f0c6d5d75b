using Strangler.Proxy.Safety;

namespace Strangler.Proxy.Tests.Safety;

/// <summary>The canary guard's decision at its boundaries (defaults: more than 20 % errors over at least 20 requests, or an ejection).</summary>
public sealed class CanaryDecisionTests
{
    private static readonly CanaryOptions Defaults = new();

    [Theory]
    [InlineData(20, 4, false)]  // exactly 20 %: not more than the threshold
    [InlineData(20, 5, true)]   // 25 %
    [InlineData(19, 19, false)] // every request failed, but below the minimum sample
    [InlineData(100, 21, true)]
    [InlineData(100, 20, false)]
    [InlineData(21, 5, true)]   // 23.8 %
    public void ErrorRate_AtItsBoundaries(int total, int errors, bool rollsBack) =>
        Assert.Equal(rollsBack, CanaryRollbackRule.Reason(total, errors, ejected: false, Defaults) is not null);

    [Fact]
    public void Ejection_RollsBackWhateverTheSample() =>
        Assert.Contains("ejected", CanaryRollbackRule.Reason(5, 5, ejected: true, Defaults), StringComparison.Ordinal);

    [Fact]
    public void Ejection_WhenDisabled_LeavesItToTheErrorRate() =>
        Assert.Null(CanaryRollbackRule.Reason(5, 5, ejected: true, new CanaryOptions { RollbackOnEjection = false }));

    [Fact]
    public void Reason_SaysTheRateAndTheCounts() =>
        Assert.Equal("automatic: service error rate 50 % (10 of 20 requests) over 30 s exceeded 20 %", CanaryRollbackRule.Reason(20, 10, false, Defaults));
}
