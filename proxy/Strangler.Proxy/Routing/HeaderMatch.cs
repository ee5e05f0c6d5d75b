namespace Strangler.Proxy.Routing;

/// <summary>An optional extra condition: the request carries <see cref="Name"/> with exactly <see cref="Value"/>.</summary>
public sealed record HeaderMatch(string Name, string Value);
