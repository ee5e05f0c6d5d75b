using System.ComponentModel.DataAnnotations;

namespace RideShare.Monolith.Trips;

/// <summary>How the monolith's trips reach drivers (branch by abstraction, design.md "The cutover model").</summary>
public enum DriverAccessMode
{
    /// <summary>In this database, in the trip's own transaction: the monolith owns drivers.</summary>
    Local,

    /// <summary>
    /// Through the drivers API's reservation contract at the proxy (<c>Drivers:Gateway</c>), so the calls land on
    /// whoever owns drivers — the monolith itself or the Drivers service — and the monolith never writes a drivers
    /// row it may no longer own.
    /// </summary>
    Gateway,
}

/// <summary><c>Drivers</c>: the seam's switch and its gateway.</summary>
public sealed class DriverAccessOptions
{
    public const string SectionName = "Drivers";

    public DriverAccessMode Access { get; set; } = DriverAccessMode.Local;

    /// <summary>The proxy's public URL.</summary>
    [Required]
    public string Gateway { get; set; } = "http://127.0.0.1:5000";

    [Range(1, 300)]
    public int TimeoutSeconds { get; set; } = 5;

    [Range(1, 3600)]
    public int RecoveryIntervalSeconds { get; set; } = 5;

    [Range(1, 3600)]
    public int RecoveryAfterSeconds { get; set; } = 15;
}
