using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Strangler.Proxy.Admin;

/// <summary>
/// Marks connections accepted on the admin listener, so the admin API is reachable only there and the
/// public listener can never serve it (whatever the paths).
/// </summary>
internal static class AdminListener
{
    private const string Marker = "strangler.admin";

    public static ListenOptions MarkAsAdmin(this ListenOptions listen)
    {
        listen.Use(next => connection =>
        {
            connection.Items[Marker] = true;
            return next(connection);
        });
        return listen;
    }

    public static bool IsAdmin(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(Marker) == true;
}
