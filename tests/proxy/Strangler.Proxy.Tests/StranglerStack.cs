using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RideShare.Monolith.Hosting;
using Strangler.Proxy.Hosting;
using Strangler.Testing;

namespace Strangler.Proxy.Tests;

/// <summary>
/// A real stack on loopback: the RideShare monolith (legacy), a second RideShare instance on the same
/// database standing in for the extracted service (same contract, same data), and the strangler proxy in
/// front, with its route table in a temp folder. One per test class.
/// </summary>
public class StranglerStack : PostgresDatabase
{
    public const string Token = "test-admin-token-0123456789";
    private readonly List<WebApplication> _apps = [];

    public Uri LegacyAddress { get; private set; } = null!;

    public Uri ServiceAddress { get; private set; } = null!;

    public string StoreFolder { get; } = Path.Combine(Path.GetTempPath(), $"strangler-proxy-{Guid.NewGuid():N}");

    public ProxyInstance Proxy { get; private set; } = null!;

    /// <summary>Extra proxy settings a test class needs (e.g. faster health checks).</summary>
    protected virtual IEnumerable<string> ProxyArgs => [];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        LegacyAddress = await StartMonolithAsync();
        ServiceAddress = await StartMonolithAsync();
        Proxy = await StartProxyAsync();
    }

    public async Task<Uri> StartMonolithAsync()
    {
        var app = await RideShareApp.StartAsync(
            [$"--ConnectionStrings:RideShare={ConnectionString}", "--urls=http://127.0.0.1:0", "--Log:MinimumLevel=Warning"],
            CancellationToken.None);
        _apps.Add(app);
        return new Uri(app.ListeningAddresses()[0]);
    }

    /// <summary>Starts a proxy on this stack's legacy and route store; settings can be overridden.</summary>
    public async Task<ProxyInstance> StartProxyAsync(params string[] overrides)
    {
        var app = await ProxyApp.StartAsync(
            [
                $"--Proxy:LegacyUrl={LegacyAddress}",
                "--Proxy:Listen=http://127.0.0.1:0",
                "--Proxy:Admin:Listen=http://127.0.0.1:0",
                $"--Proxy:Admin:Token={Token}",
                $"--Proxy:Store:FilePath={Path.Combine(StoreFolder, "routes.json")}",
                "--Proxy:Health:IntervalMilliseconds=100",
                "--Proxy:Health:TimeoutMilliseconds=1000",
                "--Log:MinimumLevel=Warning",
                .. ProxyArgs,
                .. overrides,
            ],
            CancellationToken.None);
        _apps.Add(app);
        return new ProxyInstance(app, Token);
    }

    public async Task StopAsync(ProxyInstance proxy)
    {
        _apps.Remove(proxy.App);
        await proxy.DisposeAsync();
    }

    public override async Task DisposeAsync()
    {
        foreach (var app in Enumerable.Reverse(_apps))
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        if (Directory.Exists(StoreFolder))
        {
            Directory.Delete(StoreFolder, recursive: true);
        }

        await base.DisposeAsync();
    }
}

/// <summary>One running proxy with clients for its public and admin listeners.</summary>
public sealed class ProxyInstance : IAsyncDisposable
{
    public ProxyInstance(WebApplication app, string token)
    {
        App = app;
        var endpoints = app.Services.GetRequiredService<ProxyEndpoints>();
        Public = new HttpClient { BaseAddress = endpoints.PublicAddress };
        Admin = new HttpClient { BaseAddress = endpoints.AdminAddress };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public WebApplication App { get; }

    public HttpClient Public { get; }

    public HttpClient Admin { get; }

    public async Task<JsonElement> PutRouteAsync(string id, object route)
    {
        var response = await Admin.PutAsJsonAsync($"/admin/routes/{id}", route);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"PUT route {id}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task SetStageAsync(string id, string stage, int? weight = null)
    {
        var response = await Admin.PostAsJsonAsync($"/admin/routes/{id}/stage", new { stage, weight });
        Assert.True(response.IsSuccessStatusCode, $"stage {id} → {stage}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        var response = await Admin.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> RouteStatsAsync(string id) =>
        (await GetJsonAsync("/admin/stats")).GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("id").GetString() == id);

    public async ValueTask DisposeAsync()
    {
        Public.Dispose();
        Admin.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
