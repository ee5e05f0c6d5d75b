using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Strangler.Proxy.Admin;

/// <summary>
/// Every admin call needs <c>Authorization: Bearer &lt;token&gt;</c>. Compared in constant time (over hashes, so
/// the length does not leak either); the token is never logged. Otherwise 401 problem+json. Only endpoints mapped
/// with <c>AllowAnonymous()</c> go without (/healthz, /readyz, the dashboard page's files), so the exception is
/// declared where the endpoint is, not listed here.
/// </summary>
internal sealed class AdminAuthMiddleware(RequestDelegate next, IOptions<AdminOptions> options)
{
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.Token));

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is not null)
        {
            await next(context); // mapped with AllowAnonymous: the probes and the dashboard page's own files
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
