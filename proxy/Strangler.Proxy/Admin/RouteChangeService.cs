using Microsoft.Extensions.Options;
using Strangler.Proxy.Persistence;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Admin;

/// <summary>
/// The only writer of the route table: validates a change against the whole table, stores it with an audit
/// entry (compare-and-set on the version, so replicas never overwrite each other), then installs it live.
/// A rejected change leaves both the stored and the running table untouched.
/// </summary>
internal sealed class RouteChangeService(
    IRouteStore store, RouteTableHolder holder, IOptions<ProxyOptions> options, TimeProvider time, ILogger<RouteChangeService> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public void Dispose() => _gate.Dispose();

    /// <summary>Loads the stored table, or stores the configured initial routes on first start.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var stored = await store.LoadAsync(cancellationToken);
        if (stored is not null)
        {
            holder.TryInstall(stored);
            logger.LogInformation("Route table version {Version} loaded: {Count} routes", stored.Version, stored.Routes.Count);
            return;
        }

        foreach (var route in options.Value.Routes)
        {
            var result = await UpsertAsync(route, "configured initial route", "configuration", cancellationToken);
            if (result.Failure != RouteChangeFailure.None)
            {
                throw new InvalidOperationException(
                    $"Proxy:Routes entry '{route.Id}' is invalid: {result.Detail} {string.Join(" ", result.Errors?.SelectMany(e => e.Value) ?? [])}");
            }
        }
    }

    /// <summary>Reloads from the store (another replica changed it) and installs it if newer.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        if (await store.LoadAsync(cancellationToken) is { } stored && holder.TryInstall(stored))
        {
            logger.LogInformation("Route table version {Version} installed from the shared store", stored.Version);
        }
    }

    public Task<RouteChangeResult> CreateAsync(RouteDefinition route, string? reason, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(route.Id, "create", reason, actor, current => current is not null
            ? (null, RouteChangeResult.Invalid($"A route with id '{route.Id}' already exists; use PUT /admin/routes/{route.Id} to replace it.",
                new() { ["id"] = ["duplicate id"] }))
            : (route, null), cancellationToken);

    public Task<RouteChangeResult> UpsertAsync(RouteDefinition route, string? reason, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(route.Id, "put", reason, actor, _ => (route, null), cancellationToken);

    public Task<RouteChangeResult> DeleteAsync(string id, string? reason, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, "delete", reason, actor, current => current is null ? (null, RouteChangeResult.NotFound(id)) : (null, null), cancellationToken);

    public Task<RouteChangeResult> SetStageAsync(string id, Stage stage, int? weight, string? reason, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, "stage", reason, actor, current => current is null
            ? (null, RouteChangeResult.NotFound(id))
            : (current with { Stage = stage, Weight = weight ?? (stage == Stage.Canary ? current.Weight : 0) }, null), cancellationToken);

    public Task<RouteChangeResult> RollbackAsync(string id, string? reason, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, "rollback", reason, actor, current => current is null
            ? (null, RouteChangeResult.NotFound(id))
            : (current with { Stage = Stage.Legacy, Weight = 0 }, null), cancellationToken);

    /// <summary>Rolls a route back to legacy only if it is still at canary (the guard's view may be stale).</summary>
    public Task<RouteChangeResult> RollbackCanaryAsync(string id, string reason, CancellationToken cancellationToken) =>
        ChangeAsync(id, "auto-rollback", reason, "canary-guard", current => current is not { Stage: Stage.Canary }
            ? (null, RouteChangeResult.Conflict($"Route '{id}' is no longer at canary."))
            : (current with { Stage = Stage.Legacy, Weight = 0 }, null), cancellationToken);

    /// <summary>
    /// Applies <paramref name="change"/> to the route's current definition (null when absent). It returns the
    /// new definition (null deletes) or a failure.
    /// </summary>
    private async Task<RouteChangeResult> ChangeAsync(
        string id, string action, string? reason, string actor,
        Func<RouteDefinition?, (RouteDefinition? Next, RouteChangeResult? Failure)> change, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Two tries: a version conflict means another replica changed the table; reload and re-apply once.
            for (var attempt = 0; attempt < 2; attempt++)
            {
                var table = holder.Current.Snapshot;
                var current = table.Routes.FirstOrDefault(r => r.Id == id);
                var (next, failure) = change(current);
                if (failure is not null)
                {
                    return failure;
                }

                if (next is not null)
                {
                    var errors = RouteValidator.Validate(next);
                    if (errors.Count > 0)
                    {
                        return RouteChangeResult.Invalid($"Route '{id}' is invalid: {string.Join(" ", errors.SelectMany(e => e.Value))}", errors);
                    }
                }

                var routes = table.Routes.Where(r => r.Id != id).ToList();
                if (next is not null)
                {
                    routes.Add(next);
                }

                var snapshot = new RouteTableSnapshot(table.Version + 1, routes.OrderBy(r => r.Id, StringComparer.Ordinal).ToList());
                var audit = new AuditEntry(time.GetUtcNow(), snapshot.Version, id, action, actor, current, next, reason);
                if (await store.TrySaveAsync(snapshot, table.Version, audit, cancellationToken))
                {
                    holder.TryInstall(snapshot);
                    logger.LogInformation(
                        "Route {RouteId} {Action} by {Actor}: stage {Stage}, weight {Weight}; table version {Version}",
                        id, action, actor, next?.Stage, next?.Weight, snapshot.Version);
                    return RouteChangeResult.Ok(snapshot);
                }

                await ReloadAsync(cancellationToken);
            }

            return RouteChangeResult.Conflict("The route table kept changing under this request (other replicas); retry.");
        }
        finally
        {
            _gate.Release();
        }
    }
}
