using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Strangler.Cli.Cli;
using Strangler.Hosting.Postgres;

namespace Strangler.Cli.Stack;

/// <summary>Where the demo stack keeps everything, and its ports (proxy at the base, admin base + 1, monolith and services base + 80…83).</summary>
public sealed record StackLayout(string Data, int PortBase)
{
    public Uri ProxyUrl => Url(0);

    public Uri AdminUrl => Url(1);

    public Uri MonolithUrl => Url(80);

    public Uri UrlOf(Component c) => c == Components.Proxy ? ProxyUrl : Url(c.Port - Components.Proxy.Port);

    private Uri Url(int offset) => new($"http://127.0.0.1:{PortBase + offset}");

    public string TokenFile => Path.Combine(Data, "admin-token");

    public string LogFile(string name) => Path.Combine(Data, "logs", $"{name}.log");

    public string Playbooks => Path.Combine(Data, "playbooks");

    public string ProfileFile => Path.Combine(Data, "stack.json");
}

/// <summary>
/// What the other commands need to know about a running demo stack (<c>&lt;data&gt;/stack.json</c>, readable by its
/// owner only: it holds connection strings): its ports and the settings its services' own CLI (reconcile) needs.
/// </summary>
public sealed record StackProfile(int PortBase, Dictionary<string, string[]> ServiceArgs, Dictionary<string, Dictionary<string, string>> ServiceEnvironment)
{
    public static StackProfile? Load(StackLayout layout)
    {
        if (!File.Exists(layout.ProfileFile))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<StackProfile>(File.ReadAllText(layout.ProfileFile), Output.Json);
        }
        catch (JsonException e)
        {
            throw new CliException($"{layout.ProfileFile} cannot be read ({e.Message}): run `strangler demo` again.");
        }
    }
}

/// <summary>
/// The whole RideShare migration on embedded defaults, each part a supervised child process: an embedded PostgreSQL
/// (this process starts it and stops it), the seeded monolith (its trips reserving drivers through the proxy), the
/// Drivers, Passengers and Trips services with their sync, and the proxy. Everything lives under one folder
/// (<c>.strangler/demo</c> by default): a second run reuses the cluster, stores, route table and token.
/// </summary>
public sealed class DemoStack : IAsyncDisposable
{
    private readonly List<ChildProcess> _children = [];
    private readonly Output _output;
    private EmbeddedPostgresCluster? _cluster;

    private DemoStack(StackLayout layout, Output output)
    {
        Layout = layout;
        _output = output;
    }

    public StackLayout Layout { get; }

    public string LegacyConnectionString { get; private set; } = "";

    public string Token { get; private set; } = "";

    public IReadOnlyList<ChildProcess> Children => _children;

    /// <summary>Completes (with the child) when any child ends on its own: the stack is broken.</summary>
    public Task<ChildProcess> AnyExited { get; private set; } = new TaskCompletionSource<ChildProcess>().Task;

    /// <summary>Environment and arguments for running a service's own CLI (reconcile) against this stack.</summary>
    public (IReadOnlyList<string> Args, IReadOnlyDictionary<string, string> Environment) ServiceSettings(Component service) => service.Name switch
    {
        "drivers" => ([$"--DriverStore:DataDirectory={Path.Combine(Layout.Data, "drivers")}"], Secrets(("ConnectionStrings__Legacy", LegacyConnectionString))),
        "passengers" => ([], Secrets(("ConnectionStrings__Legacy", LegacyConnectionString), ("ConnectionStrings__Passengers", _cluster!.GetConnectionString("passengers")))),
        _ => ([$"--Services:Gateway={Layout.ProxyUrl}"], Secrets(("ConnectionStrings__Legacy", LegacyConnectionString), ("ConnectionStrings__Trips", _cluster!.GetConnectionString("trips")))),
    };

    public static async Task<DemoStack> StartAsync(StackLayout layout, Output output, bool quick, CancellationToken cancellationToken)
    {
        var stack = new DemoStack(layout, output);
        try
        {
            await stack.StartCoreAsync(quick, cancellationToken);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(bool quick, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Layout.Data);
        foreach (var port in PortOffsets.Select(o => Layout.PortBase + o))
        {
            if (InUse(port))
            {
                throw new CliException($"port {port} is in use: another demo (or something else) is running; stop it, or pick other ports with --port-base.");
            }
        }

        Token = File.Exists(Layout.TokenFile) ? (await File.ReadAllTextAsync(Layout.TokenFile, cancellationToken)).Trim() : "";
        if (Token.Length < 16)
        {
            Token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
            await File.WriteAllTextAsync(Layout.TokenFile, Token, cancellationToken);
            OwnerOnly(Layout.TokenFile);
        }

        _output.Line($"starting PostgreSQL (embedded, {Path.Combine(Layout.Data, "postgres")})");
        try
        {
            _cluster = await EmbeddedPostgresCluster.StartAsync(
                new EmbeddedPostgresOptions { DataDirectory = Path.Combine(Layout.Data, "postgres"), Durable = !quick, AdoptRunningServer = true },
                NullLogger.Instance, cancellationToken);
        }
        catch (PostgresBinariesNotFoundException e)
        {
            throw new CliException(e.Message);
        }

        if (_cluster.Adopted)
        {
            // The demo's ports were free, so no demo runs on this folder: the server is an earlier run's, left behind
            // when that run was killed. It is this run's now, and stops with it.
            _output.Line($"PostgreSQL was still running on {Path.Combine(Layout.Data, "postgres")} (an earlier demo killed before it could stop it): reusing it, and stopping it at the end");
        }

        foreach (var database in Databases)
        {
            await _cluster.EnsureDatabaseAsync(database, cancellationToken);
        }

        LegacyConnectionString = _cluster.GetConnectionString("rideshare");
        var repo = Repo.Root();
        var log = new[] { "--Log:MinimumLevel=Warning" };
        Start(Components.Monolith, repo, ["demo", $"--urls={Layout.MonolithUrl}", "--Drivers:Access=Gateway", $"--Drivers:Gateway={Layout.ProxyUrl}",
            .. quick ? QuickSeed : [], .. log],
            Secrets(("ConnectionStrings__RideShare", LegacyConnectionString)));
        await ReadyAsync(Components.Monolith, new Uri(Layout.MonolithUrl, "/readyz"), cancellationToken);
        foreach (var service in Components.ExtractedServices)
        {
            var (args, environment) = ServiceSettings(service);
            // Heartbeats every 100 ms: a quiet legacy still moves the sync's position, so a handoff's fence is reached at once.
            Start(service, repo, ["serve", $"--urls={Layout.UrlOf(service)}", "--Sync:HeartbeatIntervalMilliseconds=100", .. args, .. log], environment);
        }

        Start(Components.Proxy, repo,
        [
            $"--Proxy:LegacyUrl={Layout.MonolithUrl}", $"--Proxy:Listen={Layout.ProxyUrl}", $"--Proxy:Admin:Listen={Layout.AdminUrl}",
            $"--Proxy:Store:FilePath={Path.Combine(Layout.Data, "proxy", "routes.json")}", "--Proxy:Health:IntervalMilliseconds=1000",
            $"--Proxy:Dashboard:PlaybookFolder={Layout.Playbooks}", $"--Proxy:Dashboard:ReconcileLog={Path.Combine(Layout.Data, "reconcile.jsonl")}", .. log,
        ], Secrets(("Proxy__Admin__Token", Token), ("Proxy__Handoff__LegacyConnectionString", LegacyConnectionString)));
        foreach (var service in Components.ExtractedServices)
        {
            await ReadyAsync(service, new Uri(Layout.UrlOf(service), "/sync/status"), cancellationToken, streaming: true);
        }

        await ReadyAsync(Components.Proxy, new Uri(Layout.AdminUrl, "/healthz"), cancellationToken, bearer: Token);
        var profile = new StackProfile(Layout.PortBase,
            Components.ExtractedServices.ToDictionary(s => s.Name, s => ServiceSettings(s).Args.ToArray()),
            Components.ExtractedServices.ToDictionary(s => s.Name, s => ServiceSettings(s).Environment.ToDictionary()));
        await File.WriteAllTextAsync(Layout.ProfileFile, "", cancellationToken);
        OwnerOnly(Layout.ProfileFile);
        await File.WriteAllTextAsync(Layout.ProfileFile, JsonSerializer.Serialize(profile, Output.Json), cancellationToken);
        AnyExited = Task.WhenAny(_children.Select(async c =>
        {
            await c.Exited;
            return c;
        })).Unwrap();
    }

    private static readonly string[] QuickSeed = ["--Seed:Drivers=200", "--Seed:Passengers=500", "--Seed:Trips=1000"];
    private static readonly int[] PortOffsets = [0, 1, 80, 81, 82, 83];
    private static readonly string[] Databases = ["rideshare", "passengers", "trips"];

    /// <summary>Secrets (the token, connection strings) are readable by their owner only.</summary>
    private static void OwnerOnly(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static Dictionary<string, string> Secrets(params (string Key, string Value)[] values) => values.ToDictionary(v => v.Key, v => v.Value);

    private void Start(Component component, string repo, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment)
    {
        _output.Line($"starting {component.Name} on {Layout.UrlOf(component)} (log: {Layout.LogFile(component.Name)})");
        _children.Add(ChildProcess.Start(component.Name, component.Executable(repo), Path.Combine(repo, component.Project), args, environment, Layout.LogFile(component.Name)));
    }

    private async Task ReadyAsync(Component component, Uri probe, CancellationToken cancellationToken, bool streaming = false, string? bearer = null)
    {
        var child = _children.Single(c => c.Name == component.Name);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        if (bearer is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }

        var deadline = DateTime.UtcNow.AddMinutes(3);
        var delay = 50;
        while (true)
        {
            if (child.Exited.IsCompleted)
            {
                throw new CliException($"{component.Name} exited with code {await child.Exited} while starting: {child.Tail()} (log: {child.LogPath})");
            }

            try
            {
                using var response = await http.GetAsync(probe, cancellationToken);
                if (response.IsSuccessStatusCode && (!streaming
                    || (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("state").GetString() == "streaming"))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new CliException($"{component.Name} was not ready within 3 minutes ({probe}): {child.Tail()} (log: {child.LogPath})");
            }

            await Task.Delay(delay, cancellationToken);
            delay = Math.Min(500, delay * 2);
        }
    }

    /// <summary>Whether something accepts connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static bool InUse(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The proxy first (no new traffic), then the services, then the monolith, then the database they all use.
        foreach (var child in Enumerable.Reverse(_children))
        {
            _output.Line($"stopping {child.Name}");
            await child.DisposeAsync();
        }

        _children.Clear();
        if (_cluster is not null)
        {
            _output.Line("stopping PostgreSQL");
            await _cluster.DisposeAsync();
            _cluster = null;
        }
    }
}
