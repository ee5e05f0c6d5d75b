namespace Strangler.Hosting.ServiceDefaults;

/// <summary>Console log format.</summary>
public enum LogFormat
{
    /// <summary>Human-readable lines.</summary>
    Text,

    /// <summary>Compact JSON (CLEF), one event per line.</summary>
    Json,
}
