using Microsoft.Extensions.Options;
using Strangler.Hosting.Http;

namespace Strangler.Proxy.Routing;

/// <summary>
/// The only writer of the route table. A change is validated, then the whole new table is compiled, and only
/// a table that compiled is stored (with its audit entry, compare-and-set on the version so replicas never
/// overwrite each other) and then installed live. A rejected change leaves both the stored and the running
/// table untouched; a failed store write leaves the running table untouched.
/// </summary>
internal sealed class RouteChangeService(
    IRouteStore store, RouteTableHolder holder, LoopGuard loops, IOptions<ProxyOptions> options, TimeProvider time, ILogger<RouteChangeService> logger)
    : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private StoreProblem? _storeProblem;

    public void Dispose() => _gate.Dispose();

    /// <summary>The last time the stored table could not be used (replicas keep their last good table meanwhile); null once it loads again.</summary>
    public StoreProblem? LastStoreProblem => Volatile.Read(ref _storeProblem);

    /// <summary>
    /// Loads the stored table, or stores the configured initial routes on first start. A stored table that
    /// cannot be read or served stops the start with <see cref="RouteStoreException"/>: serving without it
    /// would send every route's traffic to the monolith, whatever the stages said.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (await store.LoadAsync(cancellationToken) is { } stored)
        {
            holder.TryInstall(Compile(stored));
            logger.LogInformation("Route table version {Version} loaded: {Count} routes", stored.Version, stored.Routes.Count);
            return;
        }

        foreach (var route in options.Value.Routes)
        {
            var result = await UpsertAsync(route, namesOwner: false, "configured initial route", "configuration", cancellationToken);
            if (result.Failure != RouteChangeFailure.None)
            {
                throw new InvalidOperationException($"Proxy:Routes entry '{route.Id}' is invalid: {result.Detail}");
            }
        }
    }

    /// <summary>
    /// Reloads from the store (another replica changed it) and installs it if newer. A stored table that
    /// cannot be used is logged and reported, and the running table stays.
    /// </summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReloadCoreAsync(cancellationToken);
        }
        catch (RouteStoreException e)
        {
            logger.LogError("Route store: {Error}; keeping table version {Version}", e.Message, holder.Current.Version);
        }
    }

    public Task<RouteChangeResult> CreateAsync(RouteDefinition route, string? reason, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(route.Id, "create", reason, actor, current => current is not null
            ? (null, RouteChangeResult.Invalid($"A route with id '{route.Id}' already exists; use PUT /admin/routes/{route.Id} to replace it.",
                Errors("id", "duplicate id")))
            : (route, null), checkDestinations: true, cancellationToken);

    /// <summary>
    /// Creates or replaces a route. A replaced route keeps its write owner: the owner moves only by the handoff, so a
    /// body naming another owner is refused.
    /// </summary>
    public Task<RouteChangeResult> UpsertAsync(RouteDefinition route, bool namesOwner, string? reason, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(route.Id, "put", reason, actor, current => current is null
            ? (route, null)
            : namesOwner && route.Owner != current.Owner
                ? (null, RouteChangeResult.Conflict(
                    $"Route '{route.Id}' is written by {OwnerNames.Name(current.Owner)}; the write owner changes only through the handoff: POST /admin/routes/{route.Id}/owner."))
                : (route with { Owner = current.Owner, OwnerFence = current.OwnerFence }, null),
            checkDestinations: true, cancellationToken);

    /// <summary>Records the new write owner and, for the service, the fence (the handoff has fenced and drained before calling this).</summary>
    public Task<RouteChangeResult> SetOwnerAsync(string id, WriteOwner owner, ulong? fence, string? reason, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, "owner", reason, actor, current => current is null
            ? (null, RouteChangeResult.NotFound(id))
            : (current with { Owner = owner, OwnerFence = owner == WriteOwner.Service ? fence : null }, null), checkDestinations: owner == WriteOwner.Service, cancellationToken);

    public Task<RouteChangeResult> DeleteAsync(string id, string? reason, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, "delete", reason, actor, current => current is null ? (null, RouteChangeResult.NotFound(id)) : (null, null),
            checkDestinations: false, cancellationToken);

    public Task<RouteChangeResult> SetStageAsync(string id, Stage stage, int? weight, string? reason, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, "stage", reason, actor, current => current is null
            ? (null, RouteChangeResult.NotFound(id))
            : (current with { Stage = stage, Weight = weight ?? (stage == Stage.Canary ? current.Weight : 0) }, null),
            checkDestinations: stage != Stage.Legacy, cancellationToken);

    /// <summary>Back to legacy. Never refused for the route's other values: getting traffic off a service must always work.</summary>
    public Task<RouteChangeResult> RollbackAsync(string id, string? reason, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, "rollback", reason, actor, current => current is null
            ? (null, RouteChangeResult.NotFound(id))
            : (current with { Stage = Stage.Legacy, Weight = 0 }, null), checkDestinations: false, cancellationToken);

    /// <summary>Rolls a route back to legacy only if it is still at canary (the guard's view may be stale).</summary>
    public Task<RouteChangeResult> RollbackCanaryAsync(string id, string reason, CancellationToken cancellationToken) =>
        ChangeAsync(id, "auto-rollback", reason, "canary-guard", current => current is not { Stage: Stage.Canary }
            ? (null, RouteChangeResult.Conflict($"Route '{id}' is no longer at canary."))
            : (current with { Stage = Stage.Legacy, Weight = 0 }, null), checkDestinations: false, cancellationToken);

    /// <summary>
    /// Reads move to the service before writes, and come back after them: while the service owns a route's writes, a
    /// change that takes reads off the service (or a new route owned by its service with reads elsewhere) is refused —
    /// a read at legacy could miss the service's writes the reverse sync has not applied yet. A rollback is exempt.
    /// </summary>
    private static RouteChangeResult? ReadsLeaveTheWriter(RouteDefinition? current, RouteDefinition? next) =>
        next is { Owner: WriteOwner.Service } && next.Stage != Stage.Service && (current is null || current.Stage == Stage.Service)
            ? RouteChangeResult.Conflict(
                $"Route '{next.Id}' is written by its service, so its reads stay at the service: reads move before writes and come back " +
                "after them (a read at legacy could miss a write the reverse sync has not applied yet). Hand the writes back first " +
                $"(POST /admin/routes/{next.Id}/owner {{\"owner\":\"legacy\"}}), or roll back (POST /admin/routes/{next.Id}/rollback), which is never refused.")
            : null;

    /// <summary>
    /// Applies <paramref name="change"/> to the route's current definition (null when absent). It returns the
    /// new definition (null deletes) or a failure.
    /// </summary>
    private async Task<RouteChangeResult> ChangeAsync(
        string id, string action, string? reason, string actor,
        Func<RouteDefinition?, (RouteDefinition? Next, RouteChangeResult? Failure)> change, bool checkDestinations, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            long? replaceUnusable = null;
            // A version conflict means another replica changed the table: reload and re-apply (bounded).
            for (var attempt = 0; attempt < 3; attempt++)
            {
                var running = holder.Current;
                var table = running.Snapshot;
                var current = table.Routes.FirstOrDefault(r => r.Id == id);
                var (next, failure) = change(current);
                if (failure is not null)
                {
                    return failure;
                }

                if (action is "create" or "put" or "stage" && ReadsLeaveTheWriter(current, next) is { } behind)
                {
                    return behind;
                }

                if (next is not null && await CheckAsync(next, checkDestinations, cancellationToken) is { } invalid)
                {
                    return invalid;
                }

                var routes = table.Routes.Where(r => r.Id != id).ToList();
                if (next is not null)
                {
                    routes.Add(next);
                }

                var expected = replaceUnusable ?? table.Version;
                var snapshot = new RouteTableSnapshot(Math.Max(expected, table.Version) + 1, routes.OrderBy(r => r.Id, StringComparer.Ordinal).ToList());
                RouteTable compiled;
                try
                {
                    compiled = new RouteTable(snapshot, running);
                }
                catch (RouteCompilationException e)
                {
                    // Validation should have caught it; whatever slipped through is still refused before it is stored.
                    return RouteChangeResult.Invalid($"The route table would not compile: {e.Message}", Errors(e.RouteId == id ? "body" : "table", e.Message));
                }

                var audit = new AuditEntry(time.GetUtcNow(), snapshot.Version, id, action, actor, current, next, reason);
                bool saved;
                try
                {
                    saved = await store.TrySaveAsync(snapshot, expected, audit, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    logger.LogError("Route {RouteId} {Action}: the route store could not be written ({Error}); nothing changed", id, action, e.Message);
                    return RouteChangeResult.Unavailable($"The route store ({store.Description}) could not be written: {e.Message}. Nothing changed; retry.");
                }

                if (saved)
                {
                    holder.TryInstall(compiled);
                    logger.LogInformation(
                        "Route {RouteId} {Action} by {Actor}: stage {Stage}, weight {Weight}; table version {Version}",
                        id, action, actor, next?.Stage, next?.Weight, snapshot.Version);
                    return RouteChangeResult.Ok(snapshot);
                }

                try
                {
                    await ReloadCoreAsync(cancellationToken);
                    replaceUnusable = null;
                }
                catch (RouteStoreException e) when (e.StoredVersion is { } unusable)
                {
                    // The stored table cannot be served (edited by hand, or written by another version): the running
                    // table is the last good one, so this change replaces the stored one rather than failing forever.
                    logger.LogError("Route store: {Error}; replacing it with table version {Version} plus this change", e.Message, running.Version);
                    replaceUnusable = unusable;
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    return RouteChangeResult.Unavailable($"The route store ({store.Description}) could not be read: {e.Message}. Nothing changed; retry.");
                }
            }

            return RouteChangeResult.Conflict("The route table kept changing under this request (other replicas); retry.");
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<RouteChangeResult?> CheckAsync(RouteDefinition next, bool checkDestinations, CancellationToken cancellationToken)
    {
        var errors = RouteValidator.Validate(next);
        if (!errors.Any && checkDestinations)
        {
            foreach (var destination in next.Destinations)
            {
                if (await loops.PointsAtSelfAsync(destination, cancellationToken) is { } loop)
                {
                    errors.Add("destinations", loop);
                }
            }
        }

        return errors.Any ? RouteChangeResult.Invalid($"Route '{next.Id}' is invalid: {errors.Summary()}", errors.ToDictionary()) : null;
    }

    private async Task ReloadCoreAsync(CancellationToken cancellationToken)
    {
        if (await store.LoadAsync(cancellationToken) is not { } stored)
        {
            return;
        }

        if (stored.Version <= holder.Current.Version)
        {
            Volatile.Write(ref _storeProblem, null);
            return;
        }

        var compiled = Compile(stored);
        Volatile.Write(ref _storeProblem, null);
        if (holder.TryInstall(compiled))
        {
            logger.LogInformation("Route table version {Version} installed from the shared store", stored.Version);
        }
    }

    private RouteTable Compile(RouteTableSnapshot stored)
    {
        try
        {
            if (stored.Routes is not null && stored.Routes.GroupBy(r => r?.Id).FirstOrDefault(g => g.Count() > 1) is { } twice)
            {
                throw new RouteCompilationException(twice.Key, "its id is used twice");
            }

            return new RouteTable(stored, holder.Current);
        }
        catch (RouteCompilationException e)
        {
            var problem = new RouteStoreException(
                $"The route table version {stored.Version} in {store.Description} cannot be used: {e.Message.TrimEnd('.')}. " +
                "Fix or remove it (the audit log holds every earlier version), or change a route through the admin API to replace it.",
                stored.Version, e);
            Volatile.Write(ref _storeProblem, new StoreProblem(time.GetUtcNow(), problem.Message));
            throw problem;
        }
    }

    private static Dictionary<string, string[]> Errors(string field, string message) => new() { [field] = [message] };
}

/// <summary>When and why the stored route table could not be used.</summary>
internal sealed record StoreProblem(DateTimeOffset At, string Error);
