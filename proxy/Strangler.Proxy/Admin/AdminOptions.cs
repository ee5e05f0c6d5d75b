namespace Strangler.Proxy.Admin;

/// <summary>The admin API (<c>Proxy:Admin</c>).</summary>
public sealed class AdminOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "Proxy:Admin";

    /// <summary>Admin listener; loopback by default, never share it with the public listener.</summary>
    public string Listen { get; set; } = "http://127.0.0.1:5001";

    /// <summary>
    /// Bearer token every admin call must present (at least 16 characters). Required, unless
    /// <see cref="TokenFile"/> is set. Pass it as the <c>Proxy__Admin__Token</c> environment variable, not on the
    /// command line, where every user of the machine can read it (ps).
    /// </summary>
    public string Token { get; set; } = "";

    /// <summary>A file holding the token (e.g. a mounted Kubernetes Secret); surrounding whitespace is ignored.</summary>
    public string TokenFile { get; set; } = "";

    /// <summary>Reads <see cref="TokenFile"/> into <see cref="Token"/>; a missing file or both settings is a clear start-up error.</summary>
    internal void LoadTokenFile()
    {
        if (TokenFile.Length == 0)
        {
            return;
        }

        if (Token.Length > 0)
        {
            throw new InvalidOperationException("Set either Proxy:Admin:Token or Proxy:Admin:TokenFile, not both.");
        }

        try
        {
            Token = File.ReadAllText(TokenFile).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Proxy:Admin:TokenFile {TokenFile} cannot be read: {e.Message}", e);
        }
    }
}
