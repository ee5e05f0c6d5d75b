namespace Strangler.Proxy.Safety;

/// <summary>The canary guard's decision, apart from its sliding window so it can be tested at its boundaries.</summary>
internal static class CanaryRollbackRule
{
    /// <summary>
    /// Why a canary must roll back after this response, or null: passive ejection (when enabled), or more than the
    /// threshold's share of errors once the window holds the minimum number of requests (exactly the threshold is fine).
    /// </summary>
    public static string? Reason(int total, int errors, bool ejected, CanaryOptions options)
    {
        if (ejected && options.RollbackOnEjection)
        {
            return $"automatic: the service failed {errors} of the last {total} requests and passive health ejected it";
        }

        return total >= options.MinRequests && (double)errors / total > options.ErrorRateThreshold
            ? $"automatic: service error rate {(double)errors / total:P0} ({errors} of {total} requests) over {options.WindowSeconds} s exceeded {options.ErrorRateThreshold:P0}"
            : null;
    }
}
