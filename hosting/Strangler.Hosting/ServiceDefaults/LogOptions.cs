using Serilog.Events;

namespace Strangler.Hosting.ServiceDefaults;

/// <summary>Log output settings, bound from the <c>Log</c> configuration section.</summary>
public sealed class LogOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Log";

    /// <summary><c>Text</c> (default, human-readable console) or <c>Json</c> (compact JSON, one event a line).</summary>
    public LogFormat Format { get; set; } = LogFormat.Text;

    /// <summary>Minimum level written (default Information; framework noise is held at Warning).</summary>
    public LogEventLevel MinimumLevel { get; set; } = LogEventLevel.Information;
}
