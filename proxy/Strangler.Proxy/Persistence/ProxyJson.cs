using System.Text.Json;
using System.Text.Json.Serialization;

namespace Strangler.Proxy.Persistence;

/// <summary>JSON settings of the admin API and the stores: camelCase, stages as lower-case strings.</summary>
public static class ProxyJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = false });

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        return options;
    }
}
