using Microsoft.AspNetCore.Http;

namespace Strangler.Hosting.ServiceDefaults;

/// <summary>
/// The request's correlation id: the caller's <c>X-Correlation-Id</c> when acceptable, else a new one. It
/// becomes the request's TraceIdentifier and is written back into the request headers, so anything that
/// forwards the request (the proxy) carries the same id downstream.
/// </summary>
public static class CorrelationId
{
    public const string HeaderName = "X-Correlation-Id";
    private const int MaxLength = 128;

    public static string Assign(HttpContext context)
    {
        var incoming = context.Request.Headers[HeaderName].ToString();
        if (IsAcceptable(incoming))
        {
            context.TraceIdentifier = incoming;
            return incoming;
        }

        var id = Guid.NewGuid().ToString("N");
        context.TraceIdentifier = id;
        context.Request.Headers[HeaderName] = id;
        return id;
    }

    // Untrusted input ends up in logs and headers: keep it short and printable.
    private static bool IsAcceptable(string value) =>
        value.Length is > 0 and <= MaxLength && value.All(c => c is > ' ' and < (char)127);
}
