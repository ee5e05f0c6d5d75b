using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Strangler.Proxy.Admin;

/// <summary>
/// Every admin call needs <c>Authorization: Bearer &lt;token&gt;</c>. Compared in constant time (over hashes, so
/// the length does not leak either); the token is never logged. Otherwise 401 problem+json.
/// </summary>
internal sealed class AdminAuthMiddleware(RequestDelegate next, IOptions<AdminOptions> options)
{
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.Token));

    public async Task InvokeAsync(HttpContext context)
    {
        if (HttpMethods.IsGet(context.Request.Method)
            && (context.Request.Path.StartsWithSegments(Dashboard.DashboardApi.PagePath) || context.Request.Path == "/healthz" || context.Request.Path == "/readyz"))
        {
            // The dashboard page itself (static files; its data calls need the token) and the probes Kubernetes and load
            // balancers send without credentials (they say only "alive" / "ready").
            await next(context);
            return;
        }

        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        var presented = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : "";
        var ok = presented.Length > 0
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _expected);
        if (!ok)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await TypedResults.Problem(
                presented.Length == 0 ? "Send Authorization: Bearer <admin token>." : "The bearer token is not the admin token.",
                statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized").ExecuteAsync(context);
            return;
        }

        await next(context);
    }
}
