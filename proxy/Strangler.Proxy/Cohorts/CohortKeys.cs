using Microsoft.Extensions.Options;

namespace Strangler.Proxy.Cohorts;

/// <summary>Finds a request's stickiness key: the user header, else the proxy's cookie, else a new cookie.</summary>
internal sealed class CohortKeys(IOptions<CohortOptions> options)
{
    private readonly CohortOptions _options = options.Value;

    public string KeyFor(HttpContext context)
    {
        var user = context.Request.Headers[_options.UserHeader];
        if (!string.IsNullOrEmpty(user))
        {
            return user.ToString();
        }

        if (context.Request.Cookies.TryGetValue(_options.CookieName, out var cookie) && !string.IsNullOrEmpty(cookie))
        {
            return cookie;
        }

        var key = Guid.NewGuid().ToString("N");
        var header = $"{_options.CookieName}={key}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax";
        // Appended once the backend's headers are in, so a backend's own Set-Cookie cannot replace it.
        context.Response.OnStarting(() =>
        {
            context.Response.Headers.Append("Set-Cookie", header);
            return Task.CompletedTask;
        });
        return key;
    }

    public bool ForcesService(HttpContext context) =>
        _options.ForceHeader.Length > 0
        && string.Equals(context.Request.Headers[_options.ForceHeader], "service", StringComparison.OrdinalIgnoreCase);
}
