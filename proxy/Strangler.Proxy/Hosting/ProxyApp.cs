using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;
using Npgsql;
using Serilog;
using Strangler.Hosting.ServiceDefaults;
using Strangler.Proxy.Admin;
using Strangler.Proxy.Cohorts;
using Strangler.Proxy.Forwarding;
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
    public static WebApplicationBuilder CreateBuilder(string[] args) =>
        WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

    public static WebApplicationBuilder AddStranglerProxy(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        builder.Services.AddOptions<ProxyOptions>()
            .BindConfiguration(ProxyOptions.SectionName)
            .PostConfigure(o => o.Admin.LoadTokenFile())
            .Validate(o => o.Admin.Token.Length >= 16,
                "Proxy:Admin:Token is required, at least 16 characters: set the Proxy__Admin__Token environment variable, or Proxy:Admin:TokenFile to a file holding it.")
            .Validate(o => o.Name.Length is > 0 and <= 64 && o.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'),
                "Proxy:Name must be 1–64 letters, digits, '-', '_' or '.' (it is this proxy's name in the Via header).")
            .Validate(o => Uri.TryCreate(o.LegacyUrl, UriKind.Absolute, out var u) && (u.Scheme == "http" || u.Scheme == "https"), "Proxy:LegacyUrl must be an absolute http(s) URL.")
            .Validate(o => o.Store.Kind != RouteStoreKind.Postgres || o.Store.ConnectionString.Length > 0, "Proxy:Store:ConnectionString is required with Proxy:Store:Kind=Postgres.")
            .Validate(o => o.Canary.ErrorRateThreshold is >= 0 and <= 1 && o.Canary.MinRequests >= 1 && o.Canary.WindowSeconds >= 1, "Proxy:Canary values are out of range.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IOptions<CohortOptions>>(sp => Options.Create(sp.GetRequiredService<IOptions<ProxyOptions>>().Value.Cohorts));
        builder.Services.AddSingleton<IOptions<HealthOptions>>(sp => Options.Create(sp.GetRequiredService<IOptions<ProxyOptions>>().Value.Health));
        builder.Services.AddSingleton<IOptions<CanaryOptions>>(sp => Options.Create(sp.GetRequiredService<IOptions<ProxyOptions>>().Value.Canary));
        builder.Services.ConfigureHttpJsonOptions(json => ProxyJson.Configure(json.SerializerOptions));

        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RouteTableHolder>();
        builder.Services.AddSingleton<RouteChangeService>();
        builder.Services.AddSingleton<CohortKeys>();
        builder.Services.AddSingleton<ServiceHealth>();
        builder.Services.AddSingleton<BackendSelector>();
        builder.Services.AddSingleton<Handoff.WriteGates>();
        builder.Services.AddSingleton<Handoff.HandoffCoordinator>();
        builder.Services.AddSingleton<Handoff.ReadYourWrites>();
        builder.Services.AddSingleton<ForwarderClient>();
        builder.Services.AddSingleton<LoopGuard>();
        builder.Services.AddSingleton<StranglerTransformer>();
        builder.Services.AddSingleton<ProxyMetrics>();
        builder.Services.AddSingleton<ProxyStats>();
        builder.Services.AddSingleton<StatsReport>();
        builder.Services.AddSingleton<CanaryGuard>();
        builder.Services.AddSingleton<ShadowDispatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ShadowDispatcher>());
        builder.Services.AddHostedService<ActiveHealthProber>();
        builder.Services.AddHostedService<RouteTableSync>();
        builder.Services.AddSingleton<IRouteStore>(sp =>
        {
            var store = sp.GetRequiredService<IOptions<ProxyOptions>>().Value.Store;
            return store.Kind == RouteStoreKind.Postgres
                ? new PostgresRouteStore(NpgsqlDataSource.Create(store.ConnectionString), store.PollMilliseconds, sp.GetRequiredService<ILogger<PostgresRouteStore>>())
                : new FileRouteStore(store.FilePath, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<FileRouteStore>>());
        });
        builder.Services.AddSingleton<Handoff.IReplicaHolds>(sp => sp.GetRequiredService<IRouteStore>() is PostgresRouteStore shared
            ? ActivatorUtilities.CreateInstance<Handoff.PostgresReplicaHolds>(sp, shared.DataSource, shared)
            : new Handoff.LocalHolds());
        builder.Services.AddHostedService<Handoff.ReplicaHoldsWorker>();

        var endpoints = new ProxyEndpoints();
        builder.Services.AddSingleton(endpoints);
        var options = builder.Configuration.GetSection(ProxyOptions.SectionName).Get<ProxyOptions>() ?? new ProxyOptions();
        var publicEndPoint = ProxyEndpoints.Parse(options.Listen, "Proxy:Listen");
        var adminEndPoint = ProxyEndpoints.Parse(options.Admin.Listen, "Proxy:Admin:Listen");
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
        app.UseMiddleware<AdminAuthMiddleware>();
        app.UseRouting();
        app.MapAdminApi();
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
