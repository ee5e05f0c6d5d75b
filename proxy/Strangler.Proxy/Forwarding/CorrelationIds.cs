namespace Strangler.Proxy.Forwarding;

/// <summary>The proxied path's correlation id: the caller's X-Correlation-Id (if acceptable) or a new one, forwarded downstream.</summary>
internal static class CorrelationIds
{
    public const string HeaderName = "X-Correlation-Id";

    public static string Assign(HttpContext context)
    {
        var incoming = context.Request.Headers[HeaderName].ToString();
        if (incoming.Length is > 0 and <= 128 && incoming.All(c => c is > ' ' and < (char)127))
        {
            context.TraceIdentifier = incoming;
            return incoming;
        }

        var id = Guid.NewGuid().ToString("N");
        context.TraceIdentifier = id;
        context.Request.Headers[HeaderName] = id;
        return id;
    }
}
