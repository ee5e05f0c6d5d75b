namespace Strangler.Cli.Stack;

/// <summary>One of the RideShare processes the CLI knows: its executable, its project folder (its working directory) and its default URL.</summary>
public sealed record Component(string Name, string Assembly, string Project, int Port)
{
    public Uri Url => new($"http://127.0.0.1:{Port}");

    /// <summary>
    /// The component's own build output (built with the CLI, in the CLI's configuration), so it runs with its own
    /// appsettings.json as its content root.
    /// </summary>
    public string Executable(string repoRoot)
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent?.Name ?? "Debug";
        var path = Path.Combine(repoRoot, Project, "bin", configuration, framework.Name, Assembly);
        return File.Exists(path)
            ? path
            : throw new Cli.CliException($"{path} is not built: run `dotnet build -c {configuration} tools/Strangler.Cli` (dotnet run --project tools/Strangler.Cli builds it).");
    }
}

/// <summary>The RideShare stack on its embedded defaults (the ports in each project's appsettings.json).</summary>
public static class Components
{
    public static readonly Component Monolith = new("monolith", "RideShare.Monolith.dll", "legacy/Monolith", 5080);
    public static readonly Component Drivers = new("drivers", "RideShare.Drivers.dll", "services/Drivers", 5081);
    public static readonly Component Passengers = new("passengers", "RideShare.Passengers.dll", "services/Passengers", 5082);
    public static readonly Component Trips = new("trips", "RideShare.Trips.dll", "services/Trips", 5083);
    public static readonly Component Proxy = new("proxy", "Strangler.Proxy.dll", "proxy/Strangler.Proxy", 5000);
    public const int ProxyAdminPort = 5001;

    public static IReadOnlyList<Component> ExtractedServices { get; } = [Drivers, Passengers, Trips];

    public static Component Service(string name) =>
        ExtractedServices.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new Cli.CliException($"unknown service '{name}': one of {string.Join(", ", ExtractedServices.Select(s => s.Name))}.", Cli.ExitCodes.Usage);
}
