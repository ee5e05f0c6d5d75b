using System.ComponentModel.DataAnnotations;

namespace RideShare.Trips.Gateway;

/// <summary>
/// <c>Services</c>: where the Trips service reaches drivers and passengers — the proxy's URL, so each call goes to
/// whoever owns that resource at the moment — and how long it waits.
/// </summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Services";

    [Required]
    public string Gateway { get; set; } = "http://127.0.0.1:5000";

    /// <summary>How long one call through the gateway may take before it counts as timed out.</summary>
    [Range(1, 300)]
    public int TimeoutSeconds { get; set; } = 5;

    /// <summary>How often recovery looks for trip requests left unresolved (a crash or a failed release).</summary>
    [Range(1, 3600)]
    public int RecoveryIntervalSeconds { get; set; } = 5;

    /// <summary>How old a request still reserving must be before recovery resolves it (longer than a request can take).</summary>
    [Range(1, 3600)]
    public int RecoveryAfterSeconds { get; set; } = 15;
}
