using Microsoft.AspNetCore.Http;
using Serilog.Context;

namespace Strangler.Hosting.ServiceDefaults;

/// <summary>
/// Takes the caller's <c>X-Correlation-Id</c> (or makes one), echoes it on the response and attaches it to
/// every log event of the request, so one id follows a request through proxy, monolith and services.
/// </summary>
internal sealed class CorrelationIdMiddleware(RequestDelegate next)
{
    public const string HeaderName = "X-Correlation-Id";
    private const int MaxLength = 128;

    public async Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[HeaderName].ToString();
        var correlationId = IsAcceptable(incoming) ? incoming : Guid.NewGuid().ToString("N");
        context.TraceIdentifier = correlationId;
        // Downstream calls (the proxy forwards request headers) carry the same id.
        context.Request.Headers[HeaderName] = correlationId;
        // Set as the response starts, replacing any copy a proxied backend echoed: always exactly one value.
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[HeaderName] = correlationId;
            return Task.CompletedTask;
        });
        using (LogContext.PushProperty("CorrelationId", correlationId))
        {
            await next(context);
        }
    }

    // Untrusted input ends up in logs and headers: keep it short and printable.
    private static bool IsAcceptable(string value) =>
        value.Length is > 0 and <= MaxLength && value.All(c => c is > ' ' and < (char)127);
}
