using System.Net;
using Strangler.Proxy.Persistence;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Tests.Admin;

/// <summary>A stored table that cannot be used: refused at start with one clear message, replaced by the next change at run time.</summary>
public sealed class RouteStoreTests(StranglerStack stack) : IClassFixture<StranglerStack>
{
    private string FreshStore(string content)
    {
        var folder = Path.Combine(stack.StoreFolder, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "routes.json");
        File.WriteAllText(file, content);
        return file;
    }

    public static TheoryData<string, string> UnusableTables => new()
    {
        { "not json at all", "not a route table" },
        { "{\"version\":3,\"routes\":[{\"id\":\"r\",\"path\":\"/api/{unclosed\",\"destinations\":[\"http://127.0.0.1:1\"]}]}", "route 'r'" },
        { "{\"version\":3,\"routes\":[{\"id\":\"r\",\"path\":\"/api/r\",\"destinations\":[\"http://127.0.0.1:1\"],\"shadow\":{\"ignoredFields\":null}}]}", "route 'r'" },
        { "{\"version\":3,\"routes\":[{\"id\":\"r\",\"path\":\"/api/r\",\"destinations\":null}]}", "route 'r'" },
        { "{\"version\":3,\"routes\":[{\"id\":\"r\",\"path\":\"/api/r\",\"destinations\":[\"http://127.0.0.1:1\"],\"timeoutSeconds\":0}]}", "timeoutSeconds" },
        { "{\"version\":3,\"routes\":[null]}", "(no id)" },
        { "{\"version\":3,\"routes\":null}", "routes" },
        { "{\"version\":3,\"routes\":[{\"id\":\"r\",\"path\":\"/a\",\"destinations\":[\"http://127.0.0.1:1\"]},{\"id\":\"r\",\"path\":\"/b\",\"destinations\":[\"http://127.0.0.1:1\"]}]}", "twice" },
        { "null", "null" },
    };

    [Theory]
    [MemberData(nameof(UnusableTables))]
    public async Task Start_WithAnUnusableStoredTable_RefusesWithOneLineNamingTheStoreAndTheProblem(string content, string mentions)
    {
        var file = FreshStore(content);

        var error = await Assert.ThrowsAsync<RouteStoreException>(() => stack.StartProxyAsync($"--Proxy:Store:FilePath={file}"));

        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Contains(mentions, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(content, await File.ReadAllTextAsync(file)); // the evidence is left as it was
    }

    [Fact]
    public async Task StoredTableMadeUnusableWhileRunning_RollbackStillWorks_AndReplacesIt()
    {
        var file = FreshStore("{\"version\":0,\"routes\":[]}");
        await using var proxy = await stack.StartProxyAsync($"--Proxy:Store:FilePath={file}");
        await proxy.PutRouteAsync("live", new { path = "/api/live/{**rest}", destinations = new[] { stack.ServiceAddress.ToString() } });
        await proxy.SetStageAsync("live", "canary", 50);
        // Someone edits the file by hand: a newer version whose only route cannot compile.
        await File.WriteAllTextAsync(file, "{\"version\":99,\"routes\":[{\"id\":\"r\",\"path\":\"/api/{unclosed\",\"destinations\":[\"http://127.0.0.1:1\"]}]}");

        using var rollback = await proxy.Admin.PostAsync("/admin/routes/live/rollback", null);

        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        Assert.Equal("legacy", (await proxy.GetJsonAsync("/admin/routes/live")).GetProperty("stage").GetString());
        await using var restarted = await stack.StartProxyAsync($"--Proxy:Store:FilePath={file}");
        var table = await restarted.GetJsonAsync("/admin/routes");
        Assert.True(table.GetProperty("version").GetInt64() > 99);
        Assert.Equal("legacy", table.GetProperty("routes")[0].GetProperty("stage").GetString());
    }

    [Fact]
    public async Task StoredFileGarbledWhileRunning_NextChangeMovesItAsideAndSucceeds()
    {
        var file = FreshStore("{\"version\":0,\"routes\":[]}");
        await using var proxy = await stack.StartProxyAsync($"--Proxy:Store:FilePath={file}");
        await proxy.PutRouteAsync("live", new { path = "/api/live/{**rest}", destinations = new[] { stack.ServiceAddress.ToString() } });
        await File.WriteAllTextAsync(file, "{ garbage");

        await proxy.SetStageAsync("live", "shadow");

        var aside = Assert.Single(Directory.GetFiles(Path.GetDirectoryName(file)!, "routes.json.unreadable-*"));
        Assert.Equal("{ garbage", await File.ReadAllTextAsync(aside));
        await using var restarted = await stack.StartProxyAsync($"--Proxy:Store:FilePath={file}");
        Assert.Equal("shadow", (await restarted.GetJsonAsync("/admin/routes/live")).GetProperty("stage").GetString());
    }

    [Fact]
    public async Task StoreThatCannotBeWritten_Returns503_AndTheRunningTableIsUnchanged()
    {
        var file = FreshStore("{\"version\":0,\"routes\":[]}");
        await using var proxy = await stack.StartProxyAsync($"--Proxy:Store:FilePath={file}");
        await proxy.PutRouteAsync("live", new { path = "/api/live/{**rest}", destinations = new[] { stack.ServiceAddress.ToString() } });
        var before = await proxy.GetJsonAsync("/admin/routes");
        // The table file's folder disappears and a plain file takes its name: nothing can be written there.
        Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        await File.WriteAllTextAsync(Path.GetDirectoryName(file)!, "in the way");

        using var response = await proxy.Admin.PostAsync("/admin/routes/live/rollback", null);

        await HostileInputTests.AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal(before.GetRawText(), (await proxy.GetJsonAsync("/admin/routes")).GetRawText());
        File.Delete(Path.GetDirectoryName(file)!);
    }
}
