using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Strangler.Hosting.Http;
using Strangler.Proxy.Routing;
using Strangler.Proxy.Stats;

namespace Strangler.Proxy.Admin;

/// <summary>
/// The admin API: route table reads and changes, stats, audit, Prometheus metrics. Handlers read their JSON
/// bodies themselves (<see cref="AdminBody"/>, <see cref="JsonFields"/>) so every bad input is a 400 naming
/// the field, never a binding exception.
/// </summary>
internal static class AdminApi
{
    private const string DefaultActor = "admin-api";

    /// <summary>The audit's actor: <c>X-Strangler-Actor</c> when it is a short plain name (the dashboard sends "dashboard", the CLI "cli"), else "admin-api".</summary>
    private static string Actor(HttpRequest request) =>
        request.Headers["X-Strangler-Actor"].ToString() is { Length: > 0 and <= 40 } actor
        && actor.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@')
            ? actor
            : DefaultActor;

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin");
        admin.MapGet("/routes", (RouteTableHolder table) => TypedResults.Ok(table.Current.Snapshot));
        admin.MapGet("/routes/{id}", GetRoute);
        admin.MapPost("/routes", CreateRoute);
        admin.MapPut("/routes/{id}", PutRoute);
        admin.MapDelete("/routes/{id}", DeleteRoute);
        admin.MapPost("/routes/{id}/stage", ChangeStage);
        admin.MapPost("/routes/{id}/rollback", Rollback);
        admin.MapPost("/routes/{id}/owner", ChangeOwner);
        admin.MapGet("/handoffs", (Handoff.HandoffCoordinator handoffs) => TypedResults.Ok(handoffs.LastReports));
        admin.MapGet("/stats", (StatsReport report) => TypedResults.Ok(report.Build()));
        admin.MapGet("/audit", ReadAudit);
        app.MapGet("/metrics", WriteMetrics);
        // Probes (Kubernetes, load balancers) send no credentials; they learn only "alive" / "ready".
        app.MapGet("/healthz", () => TypedResults.Ok("Healthy")).AllowAnonymous();
        // Ready while the stored route table is usable; while it is not, the proxy serves its last good table but says so.
        app.MapGet("/readyz", (RouteChangeService changes) => changes.LastStoreProblem is { } problem
            ? Results.Problem($"The route store cannot be used since {problem.At:O}: {problem.Error}", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not Ready")
            : Results.Ok("Ready")).AllowAnonymous();
        return app;
    }

    public static async Task WriteMetrics(HttpContext context, StatsReport report)
    {
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await report.WritePrometheusAsync(context.Response.Body, context.RequestAborted);
    }

    public static IResult GetRoute(string id, RouteTableHolder table) =>
        table.Current.Find(id) is { } route ? TypedResults.Ok(route.Definition) : AdminProblems.RouteNotFound(id);

    public static async Task<IResult> CreateRoute(HttpRequest request, RouteChangeService changes, CancellationToken cancellationToken)
    {
        var (route, reason, problem, _) = await ReadRouteAsync(request, pathId: null, cancellationToken);
        return problem ?? ToResult(await changes.CreateAsync(route!, reason, Actor(request), cancellationToken), route!.Id, created: true);
    }

    public static async Task<IResult> PutRoute(string id, HttpRequest request, RouteChangeService changes, CancellationToken cancellationToken)
    {
        var (route, reason, problem, namesOwner) = await ReadRouteAsync(request, id, cancellationToken);
        return problem ?? ToResult(await changes.UpsertAsync(route!, namesOwner, reason, Actor(request), cancellationToken), id);
    }

    public static async Task<IResult> DeleteRoute(string id, HttpRequest request, RouteChangeService changes, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var reason = AuditReason.Check(request.Query["reason"].ToString() is { Length: > 0 } r ? r : null, errors);
        return errors.Any ? errors.ToProblem(AdminProblems.InvalidTitle) : ToResult(await changes.DeleteAsync(id, reason, Actor(request), cancellationToken), id);
    }

    public static async Task<IResult> ChangeStage(string id, HttpRequest request, RouteChangeService changes, CancellationToken cancellationToken)
    {
        var (document, problem) = await AdminBody.ReadObjectAsync(request, optional: false, StageChangeRequest.Example, cancellationToken);
        using (document)
        {
            if (problem is not null)
            {
                return problem;
            }

            var errors = new FieldErrors();
            if (StageChangeRequest.Read(document!.RootElement, errors) is not { } change)
            {
                return errors.ToProblem(AdminProblems.InvalidTitle);
            }

            return ToResult(await changes.SetStageAsync(id, change.Stage, change.Weight, change.Reason, Actor(request), cancellationToken), id);
        }
    }

    /// <summary>POST /admin/routes/{id}/owner {"owner":"service","reason":"…"}: the LSN-fenced write-ownership handoff.</summary>
    public static async Task<IResult> ChangeOwner(
        string id, HttpRequest request, Handoff.HandoffCoordinator handoffs, RouteTableHolder table, CancellationToken cancellationToken)
    {
        var (document, problem) = await AdminBody.ReadObjectAsync(request, optional: false, """{"owner":"service","reason":"drivers cut over"}""", cancellationToken);
        using (document)
        {
            if (problem is not null)
            {
                return problem;
            }

            var errors = new FieldErrors();
            var json = new JsonFields(document!.RootElement, errors);
            var text = json.String("owner", $"one of {OwnerNames.Allowed}");
            var reason = AuditReason.Read(json, errors);
            json.RejectUnknown("an owner change", ["owner", "reason"]);
            var owner = WriteOwner.Legacy;
            if (text is null && !errors.Has("owner"))
            {
                errors.Add("owner", $"owner is required: one of {OwnerNames.Allowed}.");
            }
            else if (text is not null && !OwnerNames.TryParse(text, out owner))
            {
                errors.Add("owner", $"owner must be one of {OwnerNames.Allowed}; got '{(text.Length <= 40 ? text : text[..37] + "...")}'.");
            }

            if (errors.Any)
            {
                return errors.ToProblem(AdminProblems.InvalidTitle);
            }

            var report = await handoffs.HandOffAsync(id, owner, reason, Actor(request), cancellationToken);
            return report.Outcome switch
            {
                Handoff.HandoffOutcome.Completed or Handoff.HandoffOutcome.Unchanged => TypedResults.Ok(new { handoff = report, table = table.Current.Snapshot }),
                Handoff.HandoffOutcome.NotFound => AdminProblems.RouteNotFound(id),
                Handoff.HandoffOutcome.StoreUnavailable => TypedResults.Problem(report.Detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable"),
                _ => TypedResults.Problem(report.Detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict",
                    extensions: new Dictionary<string, object?> { ["handoff"] = report }),
            };
        }
    }

    public static async Task<IResult> Rollback(string id, HttpRequest request, RouteChangeService changes, CancellationToken cancellationToken)
    {
        var (document, problem) = await AdminBody.ReadObjectAsync(request, optional: true, """{"reason":"errors after the canary"}""", cancellationToken);
        using (document)
        {
            if (problem is not null)
            {
                return problem;
            }

            var errors = new FieldErrors();
            var reason = AuditReason.ReadBody(document?.RootElement, errors);
            return errors.Any ? errors.ToProblem(AdminProblems.InvalidTitle) : ToResult(await changes.RollbackAsync(id, reason, Actor(request), cancellationToken), id);
        }
    }

    public static async Task<IResult> ReadAudit(HttpRequest request, IRouteStore store, CancellationToken cancellationToken)
    {
        var limit = 100;
        if (request.Query["limit"].ToString() is { Length: > 0 } text && (!int.TryParse(text, out limit) || limit is < 1 or > 1000))
        {
            return AdminBody.Invalid("limit", $"limit must be a whole number between 1 and 1000; got '{(text.Length <= 20 ? text : text[..20] + "...")}'.");
        }

        return TypedResults.Ok(await store.ReadAuditAsync(limit, cancellationToken));
    }

    /// <summary>A route body (POST/PUT) and the optional ?reason=, or the problem to answer.</summary>
    private static async Task<(RouteDefinition? Route, string? Reason, IResult? Problem, bool NamesOwner)> ReadRouteAsync(
        HttpRequest request, string? pathId, CancellationToken cancellationToken)
    {
        var (document, problem) = await AdminBody.ReadObjectAsync(request, optional: false, RouteRequest.Example, cancellationToken);
        using (document)
        {
            if (problem is not null)
            {
                return (null, null, problem, false);
            }

            var errors = new FieldErrors();
            var namesOwner = RouteRequest.NamesOwner(document!.RootElement);
            var reason = AuditReason.Check(request.Query["reason"].ToString() is { Length: > 0 } r ? r : null, errors);
            var route = RouteRequest.Read(document!.RootElement, errors);
            if (route is not null && pathId is not null)
            {
                if (route.Id != pathId && (route.Id.Length > 0 || document.RootElement.EnumerateObject().Any(p => p.NameEquals("id") || p.Name.Equals("id", StringComparison.OrdinalIgnoreCase))))
                {
                    errors.Add("id", $"The body's id '{route.Id}' differs from the path's '{pathId}'.");
                }

                route = route with { Id = pathId };
            }

            return errors.Any || route is null ? (null, null, errors.ToProblem(AdminProblems.InvalidTitle), false) : (route, reason, null, namesOwner);
        }
    }

    private static IResult ToResult(RouteChangeResult result, string id, bool created = false) => result.Failure switch
    {
        RouteChangeFailure.None when created => TypedResults.Created($"/admin/routes/{id}", result.Table),
        RouteChangeFailure.None => TypedResults.Ok(result.Table),
        RouteChangeFailure.NotFound => TypedResults.Problem(result.Detail, statusCode: StatusCodes.Status404NotFound, title: "Not Found"),
        RouteChangeFailure.Conflict => TypedResults.Problem(result.Detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict"),
        RouteChangeFailure.Unavailable => TypedResults.Problem(result.Detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable"),
        _ => TypedResults.ValidationProblem(result.Errors ?? new Dictionary<string, string[]>(), result.Detail, title: AdminProblems.InvalidTitle),
    };
}
