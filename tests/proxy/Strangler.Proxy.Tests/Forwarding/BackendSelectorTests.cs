using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Strangler.Proxy.Cohorts;
using Strangler.Proxy.Forwarding;
using Strangler.Proxy.Health;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Tests.Forwarding;

/// <summary>The routing decision alone: stage × method × owner × health × cohort, without a server.</summary>
public sealed class BackendSelectorTests
{
    private const string Service = "http://127.0.0.1:6001";
    private readonly ServiceHealth _health = new(Options.Create(new HealthOptions { PassiveFailureThreshold = 1 }));
    private readonly BackendSelector _selector;

    public BackendSelectorTests() => _selector = new BackendSelector(_health, new CohortKeys(Options.Create(new CohortOptions())));

    private static CompiledRoute Route(Stage stage, int weight = 0, WriteOwner owner = WriteOwner.Legacy, bool fallback = true) => new(new RouteDefinition
    {
        Id = "drivers", Path = "/api/drivers/{**rest}", Destinations = [Service], Stage = stage, Weight = weight, Owner = owner,
        FallbackToLegacyWhenUnhealthy = fallback,
    });

    private static DefaultHttpContext Request(string method, string? user = "user-1", bool force = false)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = "/api/drivers/1";
        if (user is not null)
        {
            context.Request.Headers["X-User-Id"] = user;
        }

        if (force)
        {
            context.Request.Headers["X-Strangler-Force"] = "service";
        }

        return context;
    }

    [Theory]
    [InlineData(Stage.Legacy, Backend.Legacy)]
    [InlineData(Stage.Shadow, Backend.Legacy)]
    [InlineData(Stage.Service, Backend.Service)]
    public void Reads_FollowTheStage(Stage stage, Backend expected) =>
        Assert.Equal(expected, _selector.Decide(Route(stage), Request("GET")).Backend);

    [Fact]
    public void Shadow_CopiesReadsToTheService_AndServesLegacy()
    {
        var decision = _selector.Decide(Route(Stage.Shadow), Request("GET"));
        Assert.Equal((Backend.Legacy, Service), (decision.Backend, decision.ShadowDestination));
    }

    [Theory]
    [InlineData(WriteOwner.Legacy, Backend.Legacy)]
    [InlineData(WriteOwner.Service, Backend.Service)]
    public void Writes_FollowTheOwner_WhateverTheStage(WriteOwner owner, Backend expected)
    {
        foreach (var stage in Enum.GetValues<Stage>())
        {
            Assert.Equal(expected, _selector.Decide(Route(stage, 100, owner), Request("POST")).Backend);
        }
    }

    [Fact]
    public void Canary_SendsTheUsersInsideTheWeight_AndKeepsEachUserOnOneSide()
    {
        var users = Enumerable.Range(0, 2000).Select(i => $"user-{i}").ToList();
        var toService = users.Count(u => _selector.Decide(Route(Stage.Canary, 25), Request("GET", u)).Backend == Backend.Service);
        Assert.InRange(toService, 400, 600); // 25% of 2,000 users, within hashing noise
        Assert.All(users, u => Assert.Equal(
            CohortHash.InCanary("drivers", u, 25) ? Backend.Service : Backend.Legacy, _selector.Decide(Route(Stage.Canary, 25), Request("GET", u)).Backend));
        Assert.Equal(Backend.Legacy, _selector.Decide(Route(Stage.Canary, 0), Request("GET", "user-1")).Backend);
        Assert.Equal(Backend.Service, _selector.Decide(Route(Stage.Canary, 100), Request("GET", "user-1")).Backend);
    }

    [Fact]
    public void ForceHeader_SendsReadsToTheService_AtCanaryAndShadow()
    {
        Assert.Equal(Backend.Service, _selector.Decide(Route(Stage.Canary, 0), Request("GET", force: true)).Backend);
        Assert.Equal(Backend.Service, _selector.Decide(Route(Stage.Shadow), Request("GET", force: true)).Backend);
    }

    [Fact]
    public void UnhealthyService_ReadsFallBackToLegacy_WritesAreRefused_NoShadowCopies()
    {
        _health.ReportProxied(Service, failed: true); // threshold 1: ejected
        Assert.Equal(Backend.Legacy, _selector.Decide(Route(Stage.Service), Request("GET")).Backend);
        Assert.True(_selector.Decide(Route(Stage.Service, fallback: false), Request("GET")).Reject);
        Assert.True(_selector.Decide(Route(Stage.Service, owner: WriteOwner.Service), Request("PUT")).Reject);
        Assert.Null(_selector.Decide(Route(Stage.Shadow), Request("GET")).ShadowDestination);
    }

    [Fact]
    public void NoRoute_IsTheMonolithsTraffic() => Assert.Equal(BackendDecision.Legacy, _selector.Decide(null, Request("DELETE")));
}
