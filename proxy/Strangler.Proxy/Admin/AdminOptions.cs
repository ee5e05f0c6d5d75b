namespace Strangler.Proxy.Admin;

/// <summary>The admin API (<c>Proxy:Admin</c>).</summary>
public sealed class AdminOptions
{
    /// <summary>Admin listener; loopback by default, never share it with the public listener.</summary>
    public string Listen { get; set; } = "http://127.0.0.1:5001";

    /// <summary>Bearer token every admin call must present (at least 16 characters). Required.</summary>
    public string Token { get; set; } = "";
}
