using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Strangler.Proxy.Tests;

/// <summary>
/// A controllable stand-in service on Kestrel: it answers GETs by fetching the monolith's own answer and
/// then altering it (<see cref="Alter"/>), or fails, or waits until the test releases it.
/// </summary>
public sealed class FakeService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _legacy;

    private FakeService(WebApplication app, Uri legacy)
    {
        _app = app;
        _legacy = new HttpClient { BaseAddress = legacy };
    }

    public Uri Address { get; private set; } = null!;

    /// <summary>Applied to the monolith's JSON before answering.</summary>
    public Func<JsonNode, JsonNode> Alter { get; set; } = n => n;

    /// <summary>When set, every request answers with this status (and a problem body).</summary>
    public int? FailWith { get; set; }

    /// <summary>When true, /healthz answers 503.</summary>
    public bool Unhealthy { get; set; }

    /// <summary>When set, requests wait for it before answering (a slow service).</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>Completed as soon as a request reaches the service.</summary>
    public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Requests;

    public static async Task<FakeService> StartAsync(Uri legacy)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var service = new FakeService(app, legacy);
        app.Run(service.HandleAsync);
        await app.StartAsync();
        service.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return service;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path == "/healthz")
        {
            context.Response.StatusCode = Unhealthy ? 503 : 200;
            return;
        }

        Interlocked.Increment(ref Requests);
        Reached.TrySetResult();
        if (Gate is { } gate)
        {
            await gate.Task;
        }

        if (FailWith is { } status)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/problem+json";
            await context.Response.WriteAsync("{\"title\":\"fake failure\"}");
            return;
        }

        using var legacy = await _legacy.GetAsync(context.Request.Path + context.Request.QueryString);
        context.Response.StatusCode = (int)legacy.StatusCode;
        var text = await legacy.Content.ReadAsStringAsync();
        if (legacy.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true && JsonNode.Parse(text) is { } json)
        {
            context.Response.ContentType = legacy.Content.Headers.ContentType.ToString();
            await context.Response.WriteAsync(Alter(json).ToJsonString());
            return;
        }

        await context.Response.WriteAsync(text);
    }

    public async ValueTask DisposeAsync()
    {
        Gate?.TrySetResult();
        _legacy.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public static int DeadPort() => Strangler.Testing.Ports.Free(); // outside the ephemeral range: nothing else takes it meanwhile
}
