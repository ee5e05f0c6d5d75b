namespace Strangler.Proxy.Safety;

/// <summary>Automatic canary rollback (<c>Proxy:Canary</c>).</summary>
public sealed class CanaryOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "Proxy:Canary";

    /// <summary>Roll back when the service's error share (5xx + transport failures) exceeds this (0–1).</summary>
    public double ErrorRateThreshold { get; set; } = 0.2;

    /// <summary>…over at least this many service requests…</summary>
    public int MinRequests { get; set; } = 20;

    /// <summary>…within this sliding window, seconds.</summary>
    public int WindowSeconds { get; set; } = 30;

    /// <summary>Roll back at once when passive health ejects a canary's service destination (Proxy:Health:PassiveFailureThreshold consecutive failures).</summary>
    public bool RollbackOnEjection { get; set; } = true;
}
