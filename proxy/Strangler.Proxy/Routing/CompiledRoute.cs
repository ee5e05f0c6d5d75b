using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Yarp.ReverseProxy.Forwarder;

namespace Strangler.Proxy.Routing;

/// <summary>A <see cref="RouteDefinition"/> prepared for the request path: parsed pattern, method sets, destinations.</summary>
internal sealed class CompiledRoute
{
    private readonly TemplateMatcher _matcher;
    private readonly HashSet<string>? _methods;

    public CompiledRoute(RouteDefinition definition)
    {
        Definition = definition;
        _matcher = new TemplateMatcher(TemplateParser.Parse(definition.Path), new RouteValueDictionary());
        _methods = definition.Methods.Count == 0 ? null : new HashSet<string>(definition.Methods, StringComparer.OrdinalIgnoreCase);
        ShadowMethods = new HashSet<string>(definition.Shadow.Methods, StringComparer.OrdinalIgnoreCase);
        IgnoredFields = new HashSet<string>(definition.Shadow.IgnoredFields, StringComparer.Ordinal);
        // YARP appends the request path to the prefix: keep prefixes without a trailing slash.
        Destinations = definition.Destinations.Select(d => d.TrimEnd('/')).ToArray();
        Timeout = TimeSpan.FromSeconds(definition.TimeoutSeconds);
        RequestConfig = new ForwarderRequestConfig { ActivityTimeout = Timeout };
    }

    public RouteDefinition Definition { get; }

    public string Id => Definition.Id;

    public Stage Stage => Definition.Stage;

    public IReadOnlySet<string> ShadowMethods { get; }

    public IReadOnlySet<string> IgnoredFields { get; }

    public string[] Destinations { get; }

    public TimeSpan Timeout { get; }

    /// <summary>Forwarding settings (the route's timeout), built once per table rather than per request.</summary>
    public ForwarderRequestConfig RequestConfig { get; }

    public bool Matches(HttpRequest request)
    {
        if (_methods is not null && !_methods.Contains(request.Method))
        {
            return false;
        }

        if (Definition.Header is { } header && request.Headers[header.Name] != header.Value)
        {
            return false;
        }

        return _matcher.TryMatch(request.Path, new RouteValueDictionary());
    }
}
