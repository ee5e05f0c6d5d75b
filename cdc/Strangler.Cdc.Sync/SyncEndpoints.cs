using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Strangler.Cdc.Apply;
using Strangler.Hosting.Postgres;

namespace Strangler.Cdc.Sync;

/// <summary>Wires a service's sync: <c>AddChangeSync</c> in the builder, <c>MapSync</c> for /sync/status and /metrics.</summary>
public static class SyncEndpoints
{
    /// <summary>
    /// Runs the reverse sync (service → legacy) of <typeparamref name="TSource"/>'s outbox under the replication origin
    /// <c>strangler_{slot}</c> (the slot of this service's forward sync, so each service's origin is its own).
    /// </summary>
    public static IServiceCollection AddReverseSync<TSource>(this IServiceCollection services, string service, ResolvedDatabase legacy)
        where TSource : class, Reverse.IReverseSyncSource
    {
        services.AddSingleton<TSource>();
        services.AddSingleton(sp =>
        {
            var slot = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<SyncOptions>>().Value.Slot;
            var origin = $"strangler_{(slot is { Length: > 0 } ? slot : $"sync_{service}")}".ToLowerInvariant();
            return new Reverse.ReverseSyncWorker(sp.GetRequiredService<TSource>(), origin, legacy.ConnectionString, sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger($"Strangler.ReverseSync.{service}"));
        });
        services.AddSingleton<IReverseSync>(sp => sp.GetRequiredService<Reverse.ReverseSyncWorker>());
        services.AddHostedService(sp => sp.GetRequiredService<Reverse.ReverseSyncWorker>());
        return services;
    }

    /// <summary>Body of POST /sync/owner, sent by the strangler proxy after a handoff.</summary>
    public sealed record OwnerChange(string? Owner, ulong? Fence);

    /// <summary>
    /// POST /sync/owner {"owner":"service","fence":n}: the proxy tells the service who owns its writes now (only calls
    /// carrying <c>X-Strangler-Owner</c>, which the proxy never passes on from clients, are taken).
    /// </summary>
    public static IResult SetOwner(OwnerChange? change, HttpRequest request, SyncRunner runner)
    {
        if (request.Headers[WriteOwnership.OwnerHeader].Count != 1)
        {
            return TypedResults.Problem("Only the strangler proxy sets the owner (it sends X-Strangler-Owner).", statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");
        }

        if (change?.Owner is not ("service" or "legacy") || (change.Owner == "service" && change.Fence is null))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["owner"] = ["owner is \"service\" (with the handoff's fence, a WAL position as a number) or \"legacy\"."],
            });
        }

        runner.SetOwner(change.Owner == "service", change.Fence ?? 0);
        return TypedResults.Ok(runner.Status);
    }

    /// <summary>Whether <c>Sync:Enabled</c> is on: the service is a replica and needs the legacy database.</summary>
    public static bool SyncEnabled(IConfiguration configuration) => configuration.GetValue($"{SyncOptions.SectionName}:{nameof(SyncOptions.Enabled)}", true);

    /// <summary>
    /// Syncs <paramref name="tables"/> of the legacy database into <typeparamref name="TTarget"/> (the service's store),
    /// with the service's own slot (<c>sync_{service}</c>) or, when <c>Sync:Kafka:BootstrapServers</c> is set, the Debezium topics.
    /// <paramref name="legacy"/> is null when the sync is disabled.
    /// </summary>
    public static WebApplicationBuilder AddChangeSync<TTarget>(this WebApplicationBuilder builder, string service, IReadOnlyList<string> tables, ResolvedDatabase? legacy)
        where TTarget : class, ISyncTarget
    {
        builder.Services.AddOptions<SyncOptions>().BindConfiguration(SyncOptions.SectionName)
            .Validate(o => o.MaxBatchSize is >= 1 and <= 100_000, "Sync:MaxBatchSize must be 1–100000.")
            .Validate(o => o.HeartbeatIntervalMilliseconds >= 0, "Sync:HeartbeatIntervalMilliseconds must be 0 or more.")
            .ValidateOnStart();
        if (legacy is null && SyncEnabled(builder.Configuration))
        {
            throw new InvalidOperationException("The sync is enabled but no legacy database was resolved.");
        }

        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<WriteOwnership>();
        builder.Services.AddSingleton<TTarget>();
        builder.Services.AddSingleton<ISyncTarget>(sp => sp.GetRequiredService<TTarget>());
        builder.Services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<SyncOptions>>().Value;
            return new SyncRunner(sp.GetRequiredService<ISyncTarget>(), new SyncRunnerOptions
            {
                Enabled = o.Enabled,
                LegacyConnectionString = legacy?.ConnectionString ?? "",
                Tables = [.. tables],
                Slot = o.Slot.Length > 0 ? o.Slot : $"sync_{service}",
                Publication = o.Publication.Length > 0 ? o.Publication : $"sync_{service}",
                TopicPrefix = o.TopicPrefix,
                HeartbeatIntervalMilliseconds = o.HeartbeatIntervalMilliseconds,
                MaxBatchSize = o.MaxBatchSize,
                KafkaBootstrapServers = o.Kafka.BootstrapServers,
                KafkaGroupId = o.Kafka.GroupId.Length > 0 ? o.Kafka.GroupId : $"sync-{service}",
                KafkaSettings = new Dictionary<string, string>(o.Kafka.Settings, StringComparer.Ordinal),
                KafkaTopics = [.. o.Kafka.Topics],
            }, sp.GetRequiredService<ILoggerFactory>().CreateLogger($"Strangler.Sync.{service}"), sp.GetService<TimeProvider>());
        });
        builder.Services.AddSingleton(sp => new SyncMetrics(sp.GetRequiredService<SyncRunner>(), service));
        builder.Services.AddHostedService<BackgroundService>(sp => sp.GetRequiredService<IOptions<SyncOptions>>().Value.Enabled
            ? new SyncHostedService(sp.GetRequiredService<SyncRunner>(), sp.GetRequiredService<ILogger<SyncHostedService>>())
            : new NoSync());
        return builder;
    }

    /// <summary>GET /sync/status (the runner's status as JSON) and GET /metrics (Prometheus text).</summary>
    public static IEndpointRouteBuilder MapSync(this IEndpointRouteBuilder app)
    {
        app.MapGet("/sync/status", async (SyncRunner runner, IServiceProvider services, CancellationToken cancellationToken) =>
            TypedResults.Ok(services.GetService<IReverseSync>() is { } reverse ? runner.Status with { Reverse = await reverse.CurrentAsync(cancellationToken) } : runner.Status));
        app.MapPost("/sync/owner", SetOwner);
        app.MapGet("/metrics", async (HttpContext context, SyncMetrics metrics) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        });
        return app;
    }

    private sealed class NoSync : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
    }
}
