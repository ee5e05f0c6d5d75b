using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Strangler.Proxy.Admin;

/// <summary>
/// Problem+json for every error the admin listener can give, including the ones the framework answers with an
/// empty body (unknown path, wrong method): a client of the admin API always gets a detail it can act on.
/// </summary>
internal static class AdminProblems
{
    public const string InvalidTitle = "The route change is invalid.";

    private const string Endpoints =
        "GET/POST /admin/routes, GET/PUT/DELETE /admin/routes/{id}, POST /admin/routes/{id}/stage, POST /admin/routes/{id}/rollback, POST /admin/routes/{id}/owner, GET /admin/handoffs, GET /admin/stats, GET /admin/audit, GET /metrics";

    public static ProblemHttpResult RouteNotFound(string id) =>
        TypedResults.Problem($"Route '{id}' does not exist.", statusCode: StatusCodes.Status404NotFound, title: "Not Found");

    /// <summary>Writes a problem for an error status that left the body empty.</summary>
    public static async Task WriteForStatusAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        var request = $"{http.Request.Method} {http.Request.Path}";
        var detail = status switch
        {
            StatusCodes.Status404NotFound => $"No admin endpoint answers {request}. The admin API: {Endpoints}.",
            StatusCodes.Status405MethodNotAllowed =>
                $"{http.Request.Method} is not allowed on {http.Request.Path}" +
                (http.Response.Headers.Allow.Count > 0 ? $"; allowed: {http.Response.Headers.Allow}." : ".") + $" The admin API: {Endpoints}.",
            StatusCodes.Status415UnsupportedMediaType => "The body must be JSON: send Content-Type: application/json.",
            StatusCodes.Status413PayloadTooLarge => "The request body is too large for an admin request.",
            _ => $"{request} failed with status {status}.",
        };
        await TypedResults.Problem(detail, statusCode: status).ExecuteAsync(http);
    }
}
