using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;
using Serilog;
using Strangler.Hosting.ServiceDefaults;
using Strangler.Proxy.Admin;
using Strangler.Proxy.Cohorts;
using Strangler.Proxy.Dashboard;
using Strangler.Proxy.Forwarding;
using Strangler.Proxy.Handoff;
using Strangler.Proxy.Health;
using Strangler.Proxy.Persistence;
using Strangler.Proxy.Routing;
using Strangler.Proxy.Safety;
using Strangler.Proxy.Shadowing;
using Strangler.Proxy.Stats;

namespace Strangler.Proxy.Hosting;

/// <summary>Builds the strangler proxy: public listener (the proxy) and admin listener (the admin API).</summary>
public static class ProxyApp
{
    /// <summary>A web application builder rooted at the proxy's folder (its appsettings.json), with <paramref name="args"/> as configuration.</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args) =>
        WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

    /// <summary>Registers the proxy: its options (validated at start), every feature, both listeners.</summary>
    public static WebApplicationBuilder AddStranglerProxy(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        builder.Services.AddOptions<ProxyOptions>()
            .BindConfiguration(ProxyOptions.SectionName)
            .Validate(o => o.Name.Length is > 0 and <= 64 && o.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'),
                "Proxy:Name must be 1–64 letters, digits, '-', '_' or '.' (it is this proxy's name in the Via header).")
            .Validate(o => Uri.TryCreate(o.LegacyUrl, UriKind.Absolute, out var u) && (u.Scheme == "http" || u.Scheme == "https"), "Proxy:LegacyUrl must be an absolute http(s) URL.")
            .Validate(o => o.LegacyTimeoutSeconds >= 1, "Proxy:LegacyTimeoutSeconds must be at least 1.")
            .ValidateOnStart();
        builder.Services.ConfigureHttpJsonOptions(json => ProxyJson.Configure(json.SerializerOptions));
        builder.Services.AddSingleton(TimeProvider.System);

        // Each feature registers itself with its own options section, validated at start.
        builder.Services
            .AddAdminApi()
            .AddRouteStore()
            .AddRouteTable()
            .AddCohorts()
            .AddServiceHealth()
            .AddForwarding()
            .AddProxyStats()
            .AddCanaryGuard()
            .AddShadowing()
            .AddHandoff()
            .AddDashboard();

        var endpoints = new ProxyEndpoints();
        builder.Services.AddSingleton(endpoints);
        var options = builder.Configuration.GetSection(ProxyOptions.SectionName).Get<ProxyOptions>() ?? new ProxyOptions();
        var admin = builder.Configuration.GetSection(AdminOptions.SectionName).Get<AdminOptions>() ?? new AdminOptions();
        var publicEndPoint = ProxyEndpoints.Parse(options.Listen, "Proxy:Listen");
        var adminEndPoint = ProxyEndpoints.Parse(admin.Listen, "Proxy:Admin:Listen");
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(publicEndPoint, listen => endpoints.Public = listen);
            kestrel.Listen(adminEndPoint, listen => endpoints.Admin = listen.MarkAsAdmin());
        });
        return builder;
    }

    /// <summary>Admin API on the admin listener only; everything on the public listener is proxied.</summary>
    public static WebApplication MapStranglerProxy(this WebApplication app)
    {
        // The proxied path handles correlation ids and logs each request itself (StranglerProxyMiddleware):
        // Serilog's request logging and log context ride on AsyncLocal state, which halved throughput on this
        // path, and a response callback per request cost more (bench/proxy-overhead.sh).
        app.MapWhen(context => !AdminListener.IsAdmin(context), proxy => proxy.UseMiddleware<StranglerProxyMiddleware>());
        app.UseCorrelationId();

        // Admin listener only from here on. Routing is placed here explicitly so endpoint matching never runs
        // on proxied requests.
        app.UseRequestLogging();
        app.UseExceptionHandler();
        app.UseStatusCodePages(AdminProblems.WriteForStatusAsync);
        app.UseRouting(); // before the token check: it reads the matched endpoint's AllowAnonymous
        app.UseMiddleware<AdminAuthMiddleware>();
        app.MapAdminApi();
        app.MapDashboard();
        return app;
    }

    /// <summary>Builds, loads the route table (before accepting traffic) and starts the proxy.</summary>
    public static async Task<WebApplication> StartAsync(string[] args, CancellationToken cancellationToken)
    {
        var app = CreateBuilder(args).AddStranglerProxy().Build();
        app.MapStranglerProxy();
        await app.Services.GetRequiredService<RouteChangeService>().InitializeAsync(cancellationToken);
        await app.StartAsync(cancellationToken);
        var legacy = app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value.LegacyUrl;
        if (await app.Services.GetRequiredService<LoopGuard>().PointsAtSelfAsync(legacy, cancellationToken) is { } loop)
        {
            await app.StopAsync(cancellationToken);
            await app.DisposeAsync();
            throw new InvalidOperationException($"Proxy:LegacyUrl {loop}");
        }

        return app;
    }
}
