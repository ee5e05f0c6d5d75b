using System.Reflection;

namespace Strangler.Proxy.Dashboard;

/// <summary>
/// The dashboard on the admin listener: the page itself at /dashboard/ (static, shipped inside this assembly, no
/// token needed to load it) and its one data call, GET /admin/dashboard/live (bearer token, like every admin call).
/// </summary>
internal static class DashboardApi
{
    private static readonly Dictionary<string, string> Files = new(StringComparer.Ordinal)
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["app.js"] = "text/javascript; charset=utf-8",
        ["app.css"] = "text/css; charset=utf-8",
    };

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/dashboard/{file?}", ServeFile).AllowAnonymous(); // the page's own files; its data calls need the token
        app.MapGet("/admin/dashboard/live", (DashboardSampler sampler, PlaybookRuns runs) =>
        {
            var (points, sync) = sampler.Read();
            return TypedResults.Ok(new DashboardLive(points, sync, runs.Configured, runs.NewestRun(), runs.ReconcileConfigured, runs.LastReconciles()));
        });
        return app;
    }

    private static async Task ServeFile(HttpContext context, string? file)
    {
        if (!context.Request.Path.Value!.EndsWith('/') && string.IsNullOrEmpty(file))
        {
            context.Response.Redirect("/dashboard/"); // the page's files are relative to the folder
            return;
        }

        var name = string.IsNullOrEmpty(file) ? "index.html" : file;
        if (!Files.TryGetValue(name, out var contentType)
            || Assembly.GetExecutingAssembly().GetManifestResourceStream($"Strangler.Proxy.Dashboard.wwwroot.{name}") is not { } stream)
        {
            await TypedResults.Problem($"The dashboard has no file '{(name.Length <= 40 ? name : name[..40])}'.", statusCode: 404, title: "Not Found").ExecuteAsync(context);
            return;
        }

        await using (stream)
        {
            context.Response.ContentType = contentType;
            context.Response.Headers.CacheControl = "no-cache";
            // Everything the page needs is its own: no inline script, no other origin (it works offline).
            context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            await stream.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }
}

/// <summary>GET /admin/dashboard/live: the per-second series, each service's sync status, the newest playbook run, the newest reconcile per service.</summary>
internal sealed record DashboardLive(
    IReadOnlyList<SamplePoint> Points, IReadOnlyList<ServiceSync> Sync, bool PlaybooksConfigured, System.Text.Json.JsonElement? Playbook,
    bool ReconcilesConfigured, IReadOnlyList<ReconcileResult> Reconciles);
