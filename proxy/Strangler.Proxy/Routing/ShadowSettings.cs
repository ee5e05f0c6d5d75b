namespace Strangler.Proxy.Routing;

/// <summary>What a shadow-stage route mirrors and which response fields it does not compare.</summary>
public sealed record ShadowSettings
{
    /// <summary>Methods mirrored to the service (safe ones only by default).</summary>
    public IReadOnlyList<string> Methods { get; init; } = ["GET", "HEAD"];

    /// <summary>JSON property names ignored at any depth when comparing (e.g. timestamps).</summary>
    public IReadOnlyList<string> IgnoredFields { get; init; } = [];
}
