using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Strangler.Proxy.Tests.Admin;

/// <summary>
/// Every field of every admin body given null, the wrong JSON type, an empty value and a huge one: each is a
/// 400 problem+json naming the field, nothing is stored, and the proxy keeps accepting changes.
/// </summary>
public sealed class HostileInputTests(StranglerStack stack) : IClassFixture<StranglerStack>
{
    private static readonly string Huge = new('a', 100_000);

    private string ValidRoute(string path = "/api/hostile/{**rest}") =>
        new JsonObject { ["path"] = path, ["destinations"] = new JsonArray(stack.ServiceAddress.ToString()), ["stage"] = "legacy" }.ToJsonString();

    /// <summary>(field expected in errors, field to set, its JSON value).</summary>
    public static TheoryData<string, string, string> BadRouteFields()
    {
        var data = new TheoryData<string, string, string>();
        void Add(string field, params string[] values)
        {
            foreach (var value in values)
            {
                data.Add(field, field.Split('.')[0], value);
            }
        }

        Add("id", "null", "123", "\"\"", $"\"{new string('i', 101)}\"", "\"bad id!\"", "\"a\\nb\"", "[]", "{}");
        Add("path", "null", "5", "\"\"", "\"no-slash\"", "\"/api/{unclosed\"", $"\"/{Huge}\"", "\"/a/{**x}/b\"", "\"/a\\u0000b\"", "true");
        Add("methods", "null", "\"GET\"", "[null]", "[5]", "[\"G E T\"]", "[\"\"]", $"[{string.Join(",", Enumerable.Repeat("\"GET\"", 1000))}]", "{}");
        Add("destinations", "null", "\"http://127.0.0.1:1\"", "[]", "[null]", "[5]", "[\"not a url\"]", "[\"ftp://127.0.0.1/\"]",
            "[\"http://user:pw@127.0.0.1:1\"]", "[\"http://127.0.0.1:1/?q=1\"]", "[\"http://127.0.0.1:1\",\"http://127.0.0.1:1/\"]",
            $"[{string.Join(",", Enumerable.Range(0, 10_000).Select(i => $"\"http://127.0.0.1:{i % 60000 + 1}\""))}]", $"[\"http://{Huge}\"]", "{}");
        Add("stage", "null", "1", "\"sideways\"", "\"\"", "\"2\"", "[\"legacy\"]", $"\"{Huge}\"");
        Add("weight", "null", "\"50\"", "50.5", "101", "-1", "1e30", "true");
        Add("order", "null", "\"1\"", "1.5", "1e20", "[]");
        Add("shadow", "null", "[]", "\"x\"", "5");
        Add("shadow.methods", "{\"methods\":null}", "{\"methods\":[\"POST\"]}", "{\"methods\":\"GET\"}", "{\"methods\":[null]}");
        Add("shadow.ignoredFields", "{\"ignoredFields\":null}", "{\"ignoredFields\":[null]}", "{\"ignoredFields\":[\"\"]}", "{\"ignoredFields\":5}",
            $"{{\"ignoredFields\":[{string.Join(",", Enumerable.Range(0, 1000).Select(i => $"\"f{i}\""))}]}}", $"{{\"ignoredFields\":[\"{Huge}\"]}}");
        Add("shadow.extra", "{\"extra\":1}");
        Add("header", "5", "\"x\"", "[]");
        Add("header.name", "{\"name\":null,\"value\":\"v\"}", "{\"name\":\"a b\",\"value\":\"v\"}", "{\"name\":\"\",\"value\":\"v\"}");
        Add("header.value", "{\"name\":\"X-A\",\"value\":\"a\\r\\nb\"}", "{\"name\":\"X-A\",\"value\":null}", $"{{\"name\":\"X-A\",\"value\":\"{Huge}\"}}");
        Add("fallbackToLegacyWhenUnhealthy", "null", "\"true\"", "1");
        Add("healthPath", "null", "5", "\"\"", "\"healthz\"", $"\"/{Huge}\"", "\"/a\\u0000\"");
        Add("timeoutSeconds", "null", "\"30\"", "0", "601", "1.5", "1e10");
        Add("stgae", "\"legacy\"");
        return data;
    }

    [Theory]
    [MemberData(nameof(BadRouteFields))]
    public async Task PutRoute_WithABadField_Returns400NamingIt_AndChangesNothing(string expectedField, string field, string value)
    {
        await stack.Proxy.PutRouteAsync("hostile-other", new { path = "/api/other/{**rest}", destinations = new[] { stack.ServiceAddress.ToString() } });
        var body = JsonNode.Parse(ValidRoute())!.AsObject();
        body[field] = JsonNode.Parse(value);
        var before = await stack.Proxy.GetJsonAsync("/admin/routes");
        var file = await File.ReadAllBytesAsync(Path.Combine(stack.StoreFolder, "routes.json"));

        using var response = await SendAsync(HttpMethod.Put, "/admin/routes/hostile", body.ToJsonString());

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();
        Assert.Contains(expectedField, errors);
        Assert.Contains(expectedField.Split('.')[^1], problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before.GetRawText(), (await stack.Proxy.GetJsonAsync("/admin/routes")).GetRawText());
        Assert.Equal(file, await File.ReadAllBytesAsync(Path.Combine(stack.StoreFolder, "routes.json")));
        // Not wedged: the next valid change goes through.
        await stack.Proxy.SetStageAsync("hostile-other", "shadow");
        await stack.Proxy.SetStageAsync("hostile-other", "legacy");
    }

    public static TheoryData<string, string, string?, string> BadBodies() => new()
    {
        { "PUT", "/admin/routes/b", null, "" },
        { "PUT", "/admin/routes/b", null, "   " },
        { "PUT", "/admin/routes/b", null, "null" },
        { "PUT", "/admin/routes/b", null, "[]" },
        { "PUT", "/admin/routes/b", null, "\"route\"" },
        { "PUT", "/admin/routes/b", null, "{" },
        { "PUT", "/admin/routes/b", null, "not json" },
        { "PUT", "/admin/routes/b", null, "{\"path\":\"/x\",\"path\":\"/y\"}" },
        { "PUT", "/admin/routes/b", null, "{\"path\":\"/x\",\"PATH\":\"/y\"}" },
        { "PUT", "/admin/routes/b", null, "{\"path\":\"/x\"} trailing" },
        { "PUT", "/admin/routes/b", null, new string('[', 1000) + new string(']', 1000) },
        { "PUT", "/admin/routes/b", null, "{\"shadow\":" + new string('[', 100) + new string(']', 100) + "}" },
        { "PUT", "/admin/routes/b", null, "\uFEFF{\"path\":\"/x\",\"destinations\":[\"http://127.0.0.1:1\"],\"id\":5}" },
        { "POST", "/admin/routes", null, "" },
        { "POST", "/admin/routes", null, "{\"path\":\"/api/post/{**rest}\",\"destinations\":[\"http://127.0.0.1:1\"]}" }, // no id
        { "POST", "/admin/routes/existing/stage", null, "" },
        { "POST", "/admin/routes/existing/stage", null, "{}" },
        { "POST", "/admin/routes/existing/stage", null, "{\"stage\":null}" },
        { "POST", "/admin/routes/existing/stage", null, "{\"stage\":5}" },
        { "POST", "/admin/routes/existing/stage", null, "{\"stage\":\"warp\"}" },
        { "POST", "/admin/routes/existing/stage", null, "{\"stage\":\" canary\",\"weight\":5}" },
        { "POST", "/admin/routes/existing/stage", null, "{\"stage\":\"2\"}" },
        { "POST", "/admin/routes/existing/stage", null, "{\"stage\":\"canary\",\"weight\":\"10\"}" },
        { "POST", "/admin/routes/existing/stage", null, "{\"stage\":\"canary\",\"weight\":10.5}" },
        { "POST", "/admin/routes/existing/stage", null, "{\"stage\":\"canary\",\"weight\":101}" },
        { "POST", "/admin/routes/existing/stage", null, "{\"stage\":\"canary\",\"weight\":-1}" },
        { "POST", "/admin/routes/existing/stage", null, "{\"stage\":\"canary\"}" },
        { "POST", "/admin/routes/existing/stage", null, "{\"stage\":\"service\",\"weight\":50}" },
        { "POST", "/admin/routes/existing/stage", null, "{\"stage\":\"legacy\",\"reason\":5}" },
        { "POST", "/admin/routes/existing/stage", null, $"{{\"stage\":\"legacy\",\"reason\":\"{new string('r', 1001)}\"}}" },
        { "POST", "/admin/routes/existing/stage", null, "{\"stage\":\"legacy\",\"why\":\"typo\"}" },
        { "POST", "/admin/routes/existing/rollback", null, "[]" },
        { "POST", "/admin/routes/existing/rollback", null, "{\"reason\":[]}" },
        { "POST", "/admin/routes/existing/rollback", null, "{\"because\":\"typo\"}" },
        { "PUT", "/admin/routes/existing?reason=" + new string('r', 1001), null, "{\"path\":\"/api/existing/{**rest}\",\"destinations\":[\"http://127.0.0.1:1\"]}" },
        { "DELETE", "/admin/routes/existing?reason=" + new string('r', 1001), null, "" },
        { "GET", "/admin/audit?limit=abc", null, "" },
        { "GET", "/admin/audit?limit=0", null, "" },
        { "GET", "/admin/audit?limit=99999999999", null, "" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task AdminRequest_WithABadBodyOrQuery_Returns400Problem_AndChangesNothing(string method, string path, string? unused, string body)
    {
        _ = unused;
        await stack.Proxy.PutRouteAsync("existing", new { path = "/api/existing/{**rest}", destinations = new[] { stack.ServiceAddress.ToString() } });
        var before = await stack.Proxy.GetJsonAsync("/admin/routes");

        using var response = await SendAsync(new HttpMethod(method), path, body);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.EnumerateObject().Any(), problem.GetRawText());
        Assert.Equal(before.GetRawText(), (await stack.Proxy.GetJsonAsync("/admin/routes")).GetRawText());
    }

    [Fact]
    public async Task EmptyBody_SaysWhatToSend_NotAFrameworkMessage()
    {
        using var response = await SendAsync(HttpMethod.Put, "/admin/routes/empty", "");

        var detail = (await AssertProblemAsync(response, HttpStatusCode.BadRequest)).GetProperty("detail").GetString()!;
        Assert.Contains("empty", detail, StringComparison.Ordinal);
        Assert.Contains("destinations", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Implicit body", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownStage_SaysWhichStagesExist()
    {
        await stack.Proxy.PutRouteAsync("existing", new { path = "/api/existing/{**rest}", destinations = new[] { stack.ServiceAddress.ToString() } });

        using var response = await SendAsync(HttpMethod.Post, "/admin/routes/existing/stage", "{\"stage\":\"warp\"}");

        var detail = (await AssertProblemAsync(response, HttpStatusCode.BadRequest)).GetProperty("detail").GetString()!;
        Assert.Contains("'warp'", detail, StringComparison.Ordinal);
        foreach (var stage in new[] { "legacy", "shadow", "canary", "service" })
        {
            Assert.Contains(stage, detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BodyOverTheLimit_Returns413Problem()
    {
        var body = "{\"path\":\"/x\",\"destinations\":[\"" + new string('a', 400_000) + "\"]}";

        using var response = await SendAsync(HttpMethod.Put, "/admin/routes/big", body);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData("GET", "/admin/nothing-here", "", null, HttpStatusCode.NotFound)]
    [InlineData("GET", "/", "", null, HttpStatusCode.NotFound)]
    [InlineData("DELETE", "/admin/stats", "", null, HttpStatusCode.MethodNotAllowed)]
    [InlineData("PATCH", "/admin/routes/x", "{}", "application/json", HttpStatusCode.MethodNotAllowed)]
    [InlineData("PUT", "/admin/routes/x", "path=/x", "application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("POST", "/admin/routes/x/stage", "stage=shadow", "text/plain", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("GET", "/admin/routes/no-such-route", "", null, HttpStatusCode.NotFound)]
    [InlineData("GET", "/admin/routes/%E2%98%83", "", null, HttpStatusCode.NotFound)]
    public async Task EveryAdminError_IsProblemJson_WithADetail(string method, string path, string body, string? contentType, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body.Length > 0 || contentType is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = contentType is null ? null : new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        using var response = await stack.Proxy.Admin.SendAsync(request);

        var problem = await AssertProblemAsync(response, expected);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task TheReportedMalformedChange_IsRefused_RollbackStillWorks_AndARestartServesTheSameTable()
    {
        await stack.Proxy.PutRouteAsync("x7", new { path = "/api/x7/{**rest}", destinations = new[] { stack.ServiceAddress.ToString() } });
        await stack.Proxy.SetStageAsync("x7", "canary", 30);

        using var bad = await SendAsync(HttpMethod.Put, "/admin/routes/x8",
            $"{{\"path\":\"/api/trips/{{**rest}}\",\"destinations\":[\"{stack.ServiceAddress}\"],\"shadow\":{{\"ignoredFields\":null}}}}");
        await AssertProblemAsync(bad, HttpStatusCode.BadRequest);

        using var rollback = await stack.Proxy.Admin.PostAsync("/admin/routes/x7/rollback", null);
        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        var table = await stack.Proxy.GetJsonAsync("/admin/routes");
        Assert.DoesNotContain(table.GetProperty("routes").EnumerateArray(), r => r.GetProperty("id").GetString() == "x8");

        await using var restarted = await stack.StartProxyAsync();
        Assert.Equal(table.GetRawText(), (await restarted.GetJsonAsync("/admin/routes")).GetRawText());
        Assert.Equal("legacy", (await restarted.GetJsonAsync("/admin/routes/x7")).GetProperty("stage").GetString());
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string body)
    {
        var request = new HttpRequestMessage(method, path);
        if (body.Length > 0 || method != HttpMethod.Get)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return await stack.Proxy.Admin.SendAsync(request);
    }

    internal static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), text);
        return problem;
    }
}
