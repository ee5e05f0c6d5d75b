using System.Text.Json;
using Strangler.Hosting.Http;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Admin;

/// <summary>
/// Turns the JSON body of POST/PUT /admin/routes into a <see cref="RouteDefinition"/>, checking every field's
/// JSON shape (values are checked next by <see cref="RouteValidator"/>). An absent field keeps its default.
/// </summary>
internal static class RouteRequest
{
    public const string Example = """{"path":"/api/drivers/{**rest}","destinations":["http://127.0.0.1:6001"],"stage":"legacy"}""";

    private static readonly string[] Fields =
        ["id", "path", "methods", "header", "destinations", "stage", "owner", "ownerFence", "weight", "order", "shadow", "fallbackToLegacyWhenUnhealthy", "healthPath", "timeoutSeconds"];

    /// <summary>Whether the body names the write owner (a new route may start owned by its service; an existing one changes owner only by handoff).</summary>
    public static bool NamesOwner(JsonElement body) => body.ValueKind == JsonValueKind.Object && body.TryGetProperty("owner", out _);

    /// <summary>
    /// The route the body describes; null when any field is invalid (each one recorded in <paramref name="errors"/>).
    /// <c>ownerFence</c> is accepted (so a route read with GET can be sent back) and ignored: only the handoff sets it.
    /// </summary>
    public static RouteDefinition? Read(JsonElement body, FieldErrors errors)
    {
        var json = new JsonFields(body, errors);
        var defaults = new RouteDefinition();
        var stageText = json.String("stage", $"one of {StageNames.Allowed}");
        var stage = defaults.Stage;
        if (stageText is not null && !StageNames.TryParse(stageText, out stage))
        {
            errors.Add("stage", $"stage must be one of {StageNames.Allowed}; got '{Shorten(stageText)}'.");
        }

        var ownerText = json.String("owner", $"one of {OwnerNames.Allowed}");
        var owner = defaults.Owner;
        if (ownerText is not null && !OwnerNames.TryParse(ownerText, out owner))
        {
            errors.Add("owner", $"owner must be one of {OwnerNames.Allowed}; got '{Shorten(ownerText)}'.");
        }

        var header = ReadHeader(json);
        var shadow = ReadShadow(json, defaults.Shadow);
        var route = new RouteDefinition
        {
            Id = json.String("id", "a route id (1–100 letters, digits, '-', '_' or '.')") ?? defaults.Id,
            Path = json.String("path", "a route pattern starting with '/', e.g. /api/drivers/{**rest}") ?? defaults.Path,
            Methods = json.Strings("methods", "an array of HTTP methods such as [\"GET\",\"POST\"] (empty matches every method)") ?? defaults.Methods,
            Header = header,
            Destinations = json.Strings("destinations", "an array of the service's base URLs, e.g. [\"http://127.0.0.1:6001\"]") ?? defaults.Destinations,
            Stage = stage,
            Owner = owner,
            Weight = json.Int("weight", "the canary's share of user cohorts, 0–100") ?? defaults.Weight,
            Order = json.Int("order", "the route's evaluation order (lower first)") ?? defaults.Order,
            Shadow = shadow ?? defaults.Shadow,
            FallbackToLegacyWhenUnhealthy = json.Bool("fallbackToLegacyWhenUnhealthy", "whether safe requests fall back to the monolith while the service is unhealthy")
                ?? defaults.FallbackToLegacyWhenUnhealthy,
            HealthPath = json.String("healthPath", "the service's health path, e.g. /healthz") ?? defaults.HealthPath,
            TimeoutSeconds = json.Int("timeoutSeconds", "the per-request timeout in seconds, 1–600") ?? defaults.TimeoutSeconds,
        };
        json.Ignore("ownerFence"); // set by the handoff alone
        json.RejectUnknown("a route", Fields);
        return errors.Any ? null : route;
    }

    private static HeaderMatch? ReadHeader(JsonFields json)
    {
        if (json.Object("header", "an object {\"name\":…,\"value\":…} (or null for no header condition)", nullMeansNone: true) is not { } header)
        {
            return null;
        }

        var name = header.String("name", "a header name such as X-Tenant");
        var value = header.String("value", "the header's exact value");
        header.RejectUnknown("a header condition", ["name", "value"]);
        return new HeaderMatch(name ?? "", value ?? "");
    }

    private static ShadowSettings? ReadShadow(JsonFields json, ShadowSettings defaults)
    {
        if (json.Object("shadow", "an object {\"methods\":[…],\"ignoredFields\":[…]}") is not { } shadow)
        {
            return null;
        }

        var settings = new ShadowSettings
        {
            Methods = shadow.Strings("methods", "an array of safe HTTP methods to mirror (GET, HEAD, OPTIONS)") ?? defaults.Methods,
            IgnoredFields = shadow.Strings("ignoredFields", "an array of JSON property names not compared, e.g. [\"updatedAt\"]") ?? defaults.IgnoredFields,
        };
        shadow.RejectUnknown("shadow", ["methods", "ignoredFields"]);
        return settings;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
