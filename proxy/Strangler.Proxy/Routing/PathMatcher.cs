using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;

namespace Strangler.Proxy.Routing;

/// <summary>
/// Matches a request path against a route pattern. Patterns made only of literal segments, plain
/// <c>{parameter}</c> segments and a trailing <c>{*rest}</c>/<c>{**rest}</c> — every pattern the playbooks use —
/// are matched segment by segment without allocating; anything else (constraints, optional or default values,
/// complex segments) goes through ASP.NET Core's <see cref="TemplateMatcher"/>, whose answers the fast path
/// reproduces (checked against it in PathMatcherTests).
/// </summary>
internal sealed class PathMatcher
{
    private readonly Segment[]? _segments;
    private readonly bool _catchAll;
    private readonly TemplateMatcher? _fallback;

    public PathMatcher(RoutePattern pattern)
    {
        var segments = new List<Segment>();
        for (var i = 0; i < pattern.PathSegments.Count; i++)
        {
            var parts = pattern.PathSegments[i].Parts;
            if (parts.Count != 1)
            {
                segments = null;
                break;
            }

            switch (parts[0])
            {
                case RoutePatternLiteralPart literal:
                    segments.Add(new Segment(literal.Content));
                    continue;
                case RoutePatternParameterPart { IsOptional: false, Default: null, ParameterPolicies.Count: 0 } parameter:
                    if (parameter.IsCatchAll)
                    {
                        if (i == pattern.PathSegments.Count - 1)
                        {
                            _catchAll = true;
                            continue;
                        }
                    }
                    else
                    {
                        segments.Add(new Segment(null));
                        continue;
                    }

                    break;
            }

            segments = null;
            break;
        }

        if (segments is null)
        {
            _catchAll = false;
            _fallback = new TemplateMatcher(new RouteTemplate(pattern), new RouteValueDictionary());
        }
        else
        {
            _segments = [.. segments];
        }
    }

    /// <summary>True when this matcher takes the allocation-free path (tests check both paths agree).</summary>
    public bool IsFast => _segments is not null;

    public bool Matches(PathString path)
    {
        if (_segments is null)
        {
            return _fallback!.TryMatch(path, new RouteValueDictionary());
        }

        var rest = (path.Value ?? "").AsSpan();
        if (rest.StartsWith('/'))
        {
            rest = rest[1..];
        }

        foreach (var segment in _segments)
        {
            if (rest.IsEmpty)
            {
                return false; // a literal or parameter segment needs a non-empty path segment
            }

            var end = rest.IndexOf('/');
            var value = end < 0 ? rest : rest[..end];
            if (segment.Literal is { } literal ? !value.Equals(literal, StringComparison.OrdinalIgnoreCase) : value.IsEmpty)
            {
                return false;
            }

            rest = end < 0 ? [] : rest[(end + 1)..];
        }

        // Without a catch-all the path must end here (one trailing slash is allowed, as TemplateMatcher allows it);
        // with one, the rest may be anything that does not start with an empty segment ("//"), which TemplateMatcher
        // refuses before it reaches the catch-all.
        return _catchAll ? !rest.StartsWith('/') : rest.IsEmpty;
    }

    private readonly record struct Segment(string? Literal);
}
