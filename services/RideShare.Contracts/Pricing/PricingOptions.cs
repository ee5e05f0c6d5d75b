namespace RideShare.Contracts.Pricing;

/// <summary>Fare tariff, bound from the <c>Pricing</c> configuration section.</summary>
public sealed class PricingOptions
{
    public const string SectionName = "Pricing";

    /// <summary>ISO 4217 code stored on every trip.</summary>
    public string Currency { get; set; } = "USD";

    public decimal BaseFare { get; set; } = 2.50m;
    public decimal PerKm { get; set; } = 1.15m;
    public decimal PerMinute { get; set; } = 0.25m;

    /// <summary>No completed trip costs less than this.</summary>
    public decimal MinimumFare { get; set; } = 5.00m;
}
