using Microsoft.AspNetCore.Http.HttpResults;
using Strangler.Proxy.Persistence;
using Strangler.Proxy.Routing;
using Strangler.Proxy.Stats;

namespace Strangler.Proxy.Admin;

/// <summary>The admin API: route table reads and changes, stats, audit, Prometheus metrics.</summary>
internal static class AdminApi
{
    private const string Actor = "admin-api";

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
        admin.MapGet("/stats", (StatsReport report) => TypedResults.Ok(report.Build()));
        admin.MapGet("/audit", ReadAudit);
        app.MapGet("/metrics", (StatsReport report) => TypedResults.Text(report.Prometheus(), "text/plain; version=0.0.4"));
        app.MapGet("/healthz", () => TypedResults.Ok("Healthy"));
        return app;
    }

    public static Results<Ok<RouteDefinition>, ProblemHttpResult> GetRoute(string id, RouteTableHolder table) =>
        table.Current.Find(id) is { } route ? TypedResults.Ok(route.Definition) : TypedResults.Problem(
            $"Route '{id}' does not exist.", statusCode: StatusCodes.Status404NotFound, title: "Not Found");

    public static async Task<IResult> CreateRoute(RouteDefinition route, string? reason, RouteChangeService changes, CancellationToken cancellationToken) =>
        ToResult(await changes.CreateAsync(route, reason, Actor, cancellationToken), route.Id, created: true);

    public static async Task<IResult> PutRoute(string id, RouteDefinition route, string? reason, RouteChangeService changes, CancellationToken cancellationToken)
    {
        if (route.Id.Length > 0 && route.Id != id)
        {
            return Invalid($"The body's id '{route.Id}' differs from the path's '{id}'.");
        }

        return ToResult(await changes.UpsertAsync(route with { Id = id }, reason, Actor, cancellationToken), id);
    }

    public static async Task<IResult> DeleteRoute(string id, string? reason, RouteChangeService changes, CancellationToken cancellationToken) =>
        ToResult(await changes.DeleteAsync(id, reason, Actor, cancellationToken), id);

    public static async Task<IResult> ChangeStage(string id, StageChangeRequest request, RouteChangeService changes, CancellationToken cancellationToken)
    {
        if (!Enum.TryParse<Stage>(request.Stage, ignoreCase: true, out var stage) || !Enum.IsDefined(stage) || int.TryParse(request.Stage, out _))
        {
            return Invalid($"Unknown stage '{request.Stage}': use legacy, shadow, canary or service.", "stage");
        }

        if (request.Weight is < 0 or > 100)
        {
            return Invalid($"weight {request.Weight} is outside 0–100.", "weight");
        }

        if (stage == Stage.Canary && request.Weight is null)
        {
            return Invalid("A canary needs a weight (0–100): the share of user cohorts served by the service.", "weight");
        }

        if (stage != Stage.Canary && request.Weight is not null and not 0)
        {
            return Invalid($"weight applies only to the canary stage, not to {stage.ToString().ToLowerInvariant()}.", "weight");
        }

        return ToResult(await changes.SetStageAsync(id, stage, request.Weight, request.Reason, Actor, cancellationToken), id);
    }

    public static async Task<IResult> Rollback(string id, ReasonRequest? request, RouteChangeService changes, CancellationToken cancellationToken) =>
        ToResult(await changes.RollbackAsync(id, request?.Reason, Actor, cancellationToken), id);

    public static async Task<Ok<IReadOnlyList<AuditEntry>>> ReadAudit(int? limit, IRouteStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.ReadAuditAsync(Math.Clamp(limit ?? 100, 1, 1000), cancellationToken));

    private static IResult ToResult(RouteChangeResult result, string id, bool created = false) => result.Failure switch
    {
        RouteChangeFailure.None when created => TypedResults.Created($"/admin/routes/{id}", result.Table),
        RouteChangeFailure.None => TypedResults.Ok(result.Table),
        RouteChangeFailure.NotFound => TypedResults.Problem(result.Detail, statusCode: StatusCodes.Status404NotFound, title: "Not Found"),
        RouteChangeFailure.Conflict => TypedResults.Problem(result.Detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict"),
        _ => TypedResults.ValidationProblem(result.Errors ?? new Dictionary<string, string[]>(), result.Detail, title: "The route change is invalid."),
    };

    private static ValidationProblem Invalid(string detail, string field = "body") =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [detail] }, detail, title: "The route change is invalid.");
}
