using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Strangler.Proxy.Tests.Admin;

public sealed class AdminApiTests(StranglerStack stack) : IClassFixture<StranglerStack>
{
    private object Route(string path = "/api/drivers/{**rest}", string stage = "legacy") =>
        new { path, destinations = new[] { stack.ServiceAddress.ToString() }, stage };

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Bearer wrong-token-wrong-token")]
    [InlineData("Basic dGVzdDp0ZXN0")]
    [InlineData("Bearer " + StranglerStack.Token + "x")]
    [InlineData("Bearer " + StranglerStack.Token + " x")]
    [InlineData("Bearer TEST-ADMIN-TOKEN-0123456789")]
    [InlineData("Bearer test-admin-token-012345678")]
    [InlineData("Bearer test-admin-token")]
    [InlineData("Bearer t")]
    [InlineData(StranglerStack.Token)]
    public async Task AnyAdminCall_WithoutTheRightBearerToken_Returns401Problem(string? authorization)
    {
        using var client = new HttpClient { BaseAddress = stack.Proxy.Admin.BaseAddress };
        if (authorization is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }

        foreach (var response in new[]
        {
            await client.GetAsync("/admin/routes"),
            await client.PutAsJsonAsync("/admin/routes/x", Route()),
            await client.PostAsJsonAsync("/admin/routes/x/stage", new { stage = "service" }),
            await client.GetAsync("/metrics"),
        })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await stack.Proxy.Admin.GetAsync("/admin/routes/x")).StatusCode);
    }

    [Theory]
    [InlineData("Bearer " + StranglerStack.Token)]
    [InlineData("bearer " + StranglerStack.Token)]
    [InlineData("Bearer   " + StranglerStack.Token + "  ")]
    public async Task AdminCall_WithTheExactToken_IsAccepted(string authorization)
    {
        using var client = new HttpClient { BaseAddress = stack.Proxy.Admin.BaseAddress };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/admin/routes")).StatusCode);
    }

    [Fact]
    public async Task TokenFile_ProvidesTheToken_AndTheCommandLineNeedsNoSecret()
    {
        var file = Path.Combine(stack.StoreFolder, "token");
        Directory.CreateDirectory(stack.StoreFolder);
        await File.WriteAllTextAsync(file, "  file-token-0123456789abcdef\n");

        await using var proxy = await stack.StartProxyAsync("--Proxy:Admin:Token=", $"--Proxy:Admin:TokenFile={file}");
        using var client = new HttpClient { BaseAddress = proxy.Admin.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "file-token-0123456789abcdef");

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/admin/routes")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await proxy.Admin.GetAsync("/admin/routes")).StatusCode); // the command-line token is not it
    }

    [Fact]
    public async Task TokenFile_Missing_FailsTheStartWithAClearError()
    {
        var error = await Assert.ThrowsAnyAsync<InvalidOperationException>(
            () => stack.StartProxyAsync("--Proxy:Admin:Token=", "--Proxy:Admin:TokenFile=/nonexistent/token"));

        Assert.Contains("Proxy:Admin:TokenFile /nonexistent/token cannot be read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminApi_IsNotServedOnThePublicListener()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/routes");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", StranglerStack.Token);

        using var response = await stack.Proxy.Public.SendAsync(request);

        // Proxied to the monolith, which has no such path.
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("legacy", response.Headers.GetValues("X-Strangler-Backend").Single());
    }

    public static TheoryData<string, string, object> InvalidChanges => new()
    {
        { "PUT", "/admin/routes/bad-stage", new { path = "/x", destinations = new[] { "http://127.0.0.1:1" }, stage = "sideways" } },
        { "PUT", "/admin/routes/bad-weight", new { path = "/x", destinations = new[] { "http://127.0.0.1:1" }, stage = "canary", weight = 150 } },
        { "PUT", "/admin/routes/bad-url", new { path = "/x", destinations = new[] { "not a url" }, stage = "legacy" } },
        { "PUT", "/admin/routes/bad-path", new { path = "/api/{unclosed", destinations = new[] { "http://127.0.0.1:1" }, stage = "legacy" } },
        { "PUT", "/admin/routes/no-destination", new { path = "/x", destinations = Array.Empty<string>(), stage = "legacy" } },
        { "PUT", "/admin/routes/unsafe-shadow", new { path = "/x", destinations = new[] { "http://127.0.0.1:1" }, stage = "shadow", shadow = new { methods = new[] { "POST" } } } },
        { "PUT", "/admin/routes/bad id!", new { path = "/x", destinations = new[] { "http://127.0.0.1:1" } } },
        { "POST", "/admin/routes/existing/stage", new { stage = "warp" } },
        { "POST", "/admin/routes/existing/stage", new { stage = "canary", weight = 101 } },
        { "POST", "/admin/routes/existing/stage", new { stage = "canary" } },
        { "POST", "/admin/routes", new { id = "existing", path = "/y", destinations = new[] { "http://127.0.0.1:1" } } },
    };

    [Theory]
    [MemberData(nameof(InvalidChanges))]
    public async Task InvalidChange_Returns400WithReason_AndLeavesTheTableUnchanged(string method, string path, object body)
    {
        await stack.Proxy.PutRouteAsync("existing", Route("/api/existing/{**rest}"));
        var before = await stack.Proxy.GetJsonAsync("/admin/routes");

        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(body) };
        using var response = await stack.Proxy.Admin.SendAsync(request);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.Equal(before.GetRawText(), (await stack.Proxy.GetJsonAsync("/admin/routes")).GetRawText());
    }

    [Fact]
    public async Task EveryChange_BumpsTheVersion_AndIsAudited_WithPreviousValueAndReason()
    {
        var created = await stack.Proxy.PutRouteAsync("audited", Route("/api/audited/{**rest}"));
        var staged = await stack.Proxy.Admin.PostAsJsonAsync("/admin/routes/audited/stage", new { stage = "canary", weight = 10, reason = "first cohort" });
        var table = JsonDocument.Parse(await staged.Content.ReadAsStringAsync()).RootElement;

        var audit = await stack.Proxy.GetJsonAsync("/admin/audit?limit=5");

        Assert.Equal(created.GetProperty("version").GetInt64() + 1, table.GetProperty("version").GetInt64());
        var latest = audit[0];
        Assert.Equal("audited", latest.GetProperty("routeId").GetString());
        Assert.Equal("stage", latest.GetProperty("action").GetString());
        Assert.Equal("first cohort", latest.GetProperty("reason").GetString());
        Assert.Equal("legacy", latest.GetProperty("previous").GetProperty("stage").GetString());
        Assert.Equal("canary", latest.GetProperty("current").GetProperty("stage").GetString());
        Assert.Equal(10, latest.GetProperty("current").GetProperty("weight").GetInt32());
        Assert.Equal(table.GetProperty("version").GetInt64(), latest.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task UnknownRoute_StageOrRollbackOrDelete_Returns404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await stack.Proxy.Admin.PostAsJsonAsync("/admin/routes/nope/stage", new { stage = "service" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stack.Proxy.Admin.PostAsync("/admin/routes/nope/rollback", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stack.Proxy.Admin.DeleteAsync("/admin/routes/nope")).StatusCode);
    }

    [Fact]
    public async Task RouteTable_SurvivesARestart_FromItsFile()
    {
        await stack.Proxy.PutRouteAsync("persisted", Route("/api/persisted/{**rest}"));
        await stack.Proxy.SetStageAsync("persisted", "canary", 40);
        var before = await stack.Proxy.GetJsonAsync("/admin/routes");

        await using var restarted = await stack.StartProxyAsync();
        var after = await restarted.GetJsonAsync("/admin/routes");

        Assert.Equal(before.GetRawText(), after.GetRawText());
        var route = after.GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("id").GetString() == "persisted");
        Assert.Equal("canary", route.GetProperty("stage").GetString());
        Assert.Equal(40, route.GetProperty("weight").GetInt32());
        Assert.True(File.Exists(Path.Combine(stack.StoreFolder, "routes.json")));
        Assert.False(File.Exists(Path.Combine(stack.StoreFolder, "routes.json.tmp")));
    }
}
