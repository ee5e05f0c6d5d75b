namespace RideShare.Drivers.Store;

/// <summary>The Drivers store (<c>DriverStore</c> section; <c>ConnectionStrings:Drivers</c> points at a Redis/Valkey/Garnet server instead).</summary>
public sealed class DriverStoreOptions
{
    public const string SectionName = "DriverStore";

    /// <summary>Embedded Garnet's folder (checkpoints and append-only log), kept across restarts.</summary>
    public string DataDirectory { get; set; } = Path.Combine(".strangler", "drivers");

    /// <summary>Embedded Garnet's port on 127.0.0.1; 0 picks a free one at each start.</summary>
    public int Port { get; set; }
}
