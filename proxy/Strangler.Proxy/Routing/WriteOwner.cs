namespace Strangler.Proxy.Routing;

/// <summary>
/// Who takes a route's writes (design.md, "The cutover model": one writer per resource). Reads follow the
/// <see cref="Stage"/>; writes (every method but GET, HEAD and OPTIONS) go to the owner, whatever the stage, and
/// move only through the LSN-fenced handoff (POST /admin/routes/{id}/owner).
/// </summary>
public enum WriteOwner
{
    /// <summary>The monolith owns the route's writes.</summary>
    Legacy,
    /// <summary>The service owns the route's writes.</summary>
    Service,
}

/// <summary>The owners' names on the wire (lower case), parsed strictly.</summary>
internal static class OwnerNames
{
    public const string Allowed = "legacy or service";

    /// <summary>
    /// Tells a service that the proxy sends this write (or owner notice) as the route's owner's; set only by the proxy,
    /// never passed on from clients.
    /// </summary>
    public const string Header = "X-Strangler-Owner";

    public static bool TryParse(string? text, out WriteOwner owner)
    {
        owner = WriteOwner.Legacy;
        return text is { Length: > 0 } && text.All(char.IsAsciiLetter) && Enum.TryParse(text, ignoreCase: true, out owner) && Enum.IsDefined(owner);
    }

    public static string Name(WriteOwner owner) => owner.ToString().ToLowerInvariant();
}
