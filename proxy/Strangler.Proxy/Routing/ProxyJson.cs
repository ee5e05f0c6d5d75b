using System.Text.Json;
using System.Text.Json.Serialization;

namespace Strangler.Proxy.Routing;

/// <summary>JSON settings of the admin API and the stores: camelCase, stages as lower-case strings.</summary>
public static class ProxyJson
{
    /// <summary>The proxy's JSON settings: web defaults (camelCase) with <see cref="Configure"/>'s conventions.</summary>
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = false });

    /// <summary>Adds the proxy's JSON conventions (enums as camelCase strings, numbers refused for them) to <paramref name="options"/>.</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        return options;
    }
}
