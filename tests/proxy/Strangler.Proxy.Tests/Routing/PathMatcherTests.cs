using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Tests.Routing;

/// <summary>
/// The proxy's own path matcher must answer exactly as ASP.NET Core's TemplateMatcher (what routes matched
/// with before it): every pattern × every path, both ways.
/// </summary>
public sealed class PathMatcherTests
{
    private static readonly string[] Patterns =
    [
        "/api/drivers/{**rest}", "/api/drivers/{*rest}", "/api/drivers", "/api/drivers/{id}", "/api/drivers/{id}/location",
        "/API/Drivers/{id}/{**rest}", "/{**all}", "/", "/api/{kind}/{id}", "/api/drivers/reservations/{key}/confirm",
        // not on the fast path: constraints, optional and default values, complex segments
        "/api/drivers/{id:int}", "/api/drivers/{id?}", "/api/drivers/{id=7}", "/api/drivers/{id}.{format}", "/api/d{x}",
    ];

    private static readonly string[] Paths =
    [
        "", "/", "//", "/api", "/api/", "/api/drivers", "/api/drivers/", "/api/drivers//", "/api/drivers/1", "/api/drivers/1/",
        "/api/drivers/1/location", "/api/drivers/1/location/", "/api/drivers/1/location/x", "/API/DRIVERS/1", "/api/driversx/1",
        "/api/drivers/1.json", "/api/drivers/reservations/k/confirm", "/api/drivers/reservations//confirm", "/api/passengers/1",
        "/api//drivers/1", "/api/drivers//x", "/api/drivers/x//y", "/api/drivers/x/", "/api/dx", "/api/drivers/abc", "/api/drivers/%2F", "/x/y/z",
    ];

    public static TheoryData<string> AllPatterns() => [.. Patterns];

    [Theory]
    [MemberData(nameof(AllPatterns))]
    public void Matches_AsTemplateMatcherDoes(string pattern)
    {
        var parsed = RoutePatternFactory.Parse(pattern);
        var ours = new PathMatcher(parsed);
        var reference = new TemplateMatcher(new RouteTemplate(parsed), new RouteValueDictionary());
        foreach (var path in Paths)
        {
            Assert.True(
                reference.TryMatch(new PathString(path), new RouteValueDictionary()) == ours.Matches(new PathString(path)),
                $"pattern {pattern}, path '{path}': TemplateMatcher says {!ours.Matches(new PathString(path))}, PathMatcher {ours.Matches(new PathString(path))}");
        }
    }

    [Theory]
    [InlineData("/api/drivers/{**rest}", true)]
    [InlineData("/api/drivers/{id}/location", true)]
    [InlineData("/api/drivers/{id:int}", false)]
    [InlineData("/api/drivers/{id?}", false)]
    [InlineData("/api/drivers/{id}.{format}", false)]
    public void TheUsualPatterns_TakeTheFastPath(string pattern, bool fast) =>
        Assert.Equal(fast, new PathMatcher(RoutePatternFactory.Parse(pattern)).IsFast);
}
