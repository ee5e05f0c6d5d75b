namespace Strangler.Cdc.Capture;

/// <summary>PostgreSQL identifier quoting, the one place the connector builds SQL with a table or publication name.</summary>
internal static class PgIdentifier
{
    /// <summary><paramref name="identifier"/> in double quotes, inner quotes doubled: safe for any name.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
