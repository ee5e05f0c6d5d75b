using Microsoft.AspNetCore.Http;
using Serilog.Context;

namespace Strangler.Hosting.ServiceDefaults;

/// <summary>
/// Assigns the request's correlation id (<see cref="CorrelationId"/>), echoes it on the response and attaches
/// it to every log event of the request, so one id follows a request through proxy, monolith and services.
/// </summary>
internal sealed class CorrelationIdMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var correlationId = CorrelationId.Assign(context);
        context.Response.Headers[CorrelationId.HeaderName] = correlationId;
        using (LogContext.PushProperty("CorrelationId", correlationId))
        {
            await next(context);
        }
    }
}
