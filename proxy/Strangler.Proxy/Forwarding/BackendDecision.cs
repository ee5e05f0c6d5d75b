using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Forwarding;

/// <summary>Where one request goes: a backend and destination, an optional shadow destination, or a 503.</summary>
internal readonly record struct BackendDecision(Backend Backend, string? ServiceDestination, string? ShadowDestination, bool Reject)
{
    public static BackendDecision Legacy { get; } = new(Backend.Legacy, null, null, false);

    public static BackendDecision Service(string destination) => new(Backend.Service, destination, null, false);

    public static BackendDecision Shadow(string destination) => new(Backend.Legacy, null, destination, false);

    public static BackendDecision Unavailable { get; } = new(Backend.Service, null, null, true);
}
