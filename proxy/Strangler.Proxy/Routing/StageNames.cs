namespace Strangler.Proxy.Routing;

/// <summary>The stages' names on the wire (lower case), parsed strictly: no numbers, no unknown names.</summary>
internal static class StageNames
{
    public const string Allowed = "legacy, shadow, canary or service";

    public static bool TryParse(string? text, out Stage stage)
    {
        stage = Stage.Legacy;
        return text is { Length: > 0 } && text.All(char.IsAsciiLetter) && Enum.TryParse(text, ignoreCase: true, out stage) && Enum.IsDefined(stage);
    }

    public static string Name(Stage stage) => stage.ToString().ToLowerInvariant();
}
