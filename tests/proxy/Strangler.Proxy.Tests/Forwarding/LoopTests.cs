using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Strangler.Proxy.Tests.Admin;

namespace Strangler.Proxy.Tests.Forwarding;

/// <summary>The proxy never forwards to itself: self-pointing destinations are refused, and a request that comes back is stopped at once.</summary>
public sealed class LoopTests(StranglerStack stack) : IClassFixture<StranglerStack>
{
    public static TheoryData<string> SelfUrls => new() { "{public}", "{admin}", "http://localhost:{publicPort}", "http://0.0.0.0:{publicPort}", "http://[::ffff:127.0.0.1]:{adminPort}" };

    [Theory]
    [MemberData(nameof(SelfUrls))]
    public async Task RouteDestination_PointingAtTheProxyItself_IsRefused(string template)
    {
        var url = template
            .Replace("{public}", stack.Proxy.Public.BaseAddress!.ToString(), StringComparison.Ordinal)
            .Replace("{admin}", stack.Proxy.Admin.BaseAddress!.ToString(), StringComparison.Ordinal)
            .Replace("{publicPort}", stack.Proxy.Public.BaseAddress!.Port.ToString(), StringComparison.Ordinal)
            .Replace("{adminPort}", stack.Proxy.Admin.BaseAddress!.Port.ToString(), StringComparison.Ordinal);

        using var response = await stack.Proxy.Admin.PutAsJsonAsync("/admin/routes/self", new { path = "/api/self/{**rest}", destinations = new[] { url } });

        var problem = await HostileInputTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("loop", problem.GetProperty("errors").GetProperty("destinations")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await stack.Proxy.Admin.GetAsync("/admin/routes/self")).StatusCode);
    }

    [Fact]
    public async Task RequestThatComesBackThroughAnotherHop_IsAnswered508_WithoutFanningOut()
    {
        // A header-preserving hop (as a load balancer would be) that sends everything back into the proxy.
        await using var bounce = await Bounce.StartAsync(stack.Proxy.Public.BaseAddress!);
        await stack.Proxy.PutRouteAsync("bounce", new { path = "/api/bounce/{**rest}", destinations = new[] { bounce.Address.ToString() } });
        await stack.Proxy.SetStageAsync("bounce", "service");

        using var response = await stack.Proxy.Public.GetAsync("/api/bounce/1");

        Assert.Equal((HttpStatusCode)508, response.StatusCode);
        Assert.Equal(1, bounce.Requests);
    }

    [Fact]
    public async Task RequestCarryingThisProxysVia_IsRefused508Problem()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/drivers/1");
        request.Headers.TryAddWithoutValidation("Via", "1.0 edge, 1.1 Strangler (yarp)");

        using var response = await stack.Proxy.Public.SendAsync(request);

        await HostileInputTests.AssertProblemAsync(response, (HttpStatusCode)508);
    }

    [Fact]
    public async Task RequestWithOtherProxiesVia_IsForwarded_WithThisProxyAppended()
    {
        await using var echo = await Bounce.StartAsync(target: null);
        await stack.Proxy.PutRouteAsync("echo", new { path = "/api/echo/{**rest}", destinations = new[] { echo.Address.ToString() } });
        await stack.Proxy.SetStageAsync("echo", "service");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/echo/1");
        request.Headers.TryAddWithoutValidation("Via", "1.1 edge");

        using var response = await stack.Proxy.Public.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1.1 edge, 1.1 strangler", echo.LastVia);
    }

    [Fact]
    public async Task LegacyUrl_PointingAtTheProxyItself_RefusesToStart()
    {
        var port = FakeService.DeadPort();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => stack.StartProxyAsync(
            $"--Proxy:Listen=http://127.0.0.1:{port}", $"--Proxy:LegacyUrl=http://localhost:{port}"));

        Assert.Contains("Proxy:LegacyUrl", error.Message, StringComparison.Ordinal);
        Assert.Contains("loop", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Forwards every request to <c>target</c> with its headers (or, without a target, answers 200 and remembers Via).</summary>
    private sealed class Bounce : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _requests;

        private Bounce(WebApplication app) => _app = app;

        public Uri Address { get; private set; } = null!;

        public int Requests => Volatile.Read(ref _requests);

        public string? LastVia { get; private set; }

        public static async Task<Bounce> StartAsync(Uri? target)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var bounce = new Bounce(app);
            using var client = new HttpClient();
            var forward = new HttpClient();
            app.Run(async context =>
            {
                if (context.Request.Path == "/healthz")
                {
                    return;
                }

                Interlocked.Increment(ref bounce._requests);
                bounce.LastVia = context.Request.Headers.Via.ToString();
                if (target is null)
                {
                    await context.Response.WriteAsync("ok");
                    return;
                }

                using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(target, context.Request.Path + context.Request.QueryString));
                foreach (var (name, values) in context.Request.Headers)
                {
                    if (name is not "Host")
                    {
                        request.Headers.TryAddWithoutValidation(name, values.ToArray());
                    }
                }

                using var response = await forward.SendAsync(request);
                context.Response.StatusCode = (int)response.StatusCode;
                await context.Response.WriteAsync(await response.Content.ReadAsStringAsync(), Encoding.UTF8);
            });
            await app.StartAsync();
            bounce.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            return bounce;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
