using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Strangler.Testing;
using static Microsoft.Playwright.Assertions;

namespace Strangler.Proxy.Tests.Dashboard;

/// <summary>
/// The live dashboard in a real browser (Chromium through Playwright) against the real stack: the monolith, a
/// service stand-in and the proxy, with generated traffic through the proxy. Everything the page does goes
/// through the admin API, so each test also checks the proxy's own table.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardTests(StranglerStack stack) : IClassFixture<StranglerStack>, IAsyncLifetime
{
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        await stack.Proxy.PutRouteAsync("drivers", new
        {
            path = "/api/drivers/{**rest}", destinations = new[] { stack.ServiceAddress.ToString() }, stage = "legacy",
        });
        if (Browser.ChromiumPath is not null)
        {
            (_playwright, _browser) = await Browser.LaunchAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
            _playwright.Dispose();
        }
    }

    private string DashboardUrl => new Uri(stack.Proxy.Admin.BaseAddress!, "/dashboard/").ToString();

    private async Task<IPage> SignedInAsync(int width = 1280, int height = 800)
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        await page.GotoAsync(DashboardUrl);
        await page.GetByTestId("token").FillAsync(StranglerStack.Token);
        await page.GetByTestId("signin").ClickAsync();
        await Expect(page.GetByTestId("route-drivers")).ToBeVisibleAsync();
        return page;
    }

    private async Task<JsonElement> RouteAsync() => (await stack.Proxy.GetJsonAsync("/admin/routes/drivers"));

    [Fact]
    public async Task ThePage_LoadsWithoutTheToken_ItsDataDoesNot()
    {
        using var anonymous = new HttpClient { BaseAddress = stack.Proxy.Admin.BaseAddress };
        using var page = await anonymous.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Strangler", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/dashboard/app.js")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/dashboard/secrets.json")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/admin/dashboard/live")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/admin/routes")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/no-such-page")).StatusCode); // unknown paths tell nothing either
        // The probes answer without credentials (and say only that).
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/readyz")).StatusCode);
        // A write under the page's prefix is not a page request: still the admin API's token check.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/dashboard/", null)).StatusCode);
    }

    [Fact]
    public async Task TheLiveSeries_CountWhatWentThroughTheProxy()
    {
        await stack.Proxy.GetJsonAsync("/admin/dashboard/live"); // a dashboard is watching: sampling starts
        await using (var load = new Load(stack.Proxy.Public))
        {
            await Eventually.TrueAsync(async () =>
            {
                var live = await stack.Proxy.GetJsonAsync("/admin/dashboard/live");
                return live.GetProperty("points").EnumerateArray().SelectMany(p => p.GetProperty("series").EnumerateArray())
                    .Any(s => s.GetProperty("route").GetString() == "drivers" && s.GetProperty("requestsPerSecond").GetDouble() > 0);
            }, "a per-second point with the drivers route's traffic", 30_000);
        }

        var sync = (await stack.Proxy.GetJsonAsync("/admin/dashboard/live")).GetProperty("sync").EnumerateArray().ToList();
        var service = Assert.Single(sync, s => s.GetProperty("destination").GetString() == stack.ServiceAddress.ToString().TrimEnd('/'));
        // The stand-in is the monolith: it has no /sync/status, and the dashboard says so rather than failing.
        Assert.Contains("/sync/status", service.GetProperty("problem").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NothingIsSampled_UntilADashboardAsks()
    {
        // The sampler reads every counter and polls every service's /sync/status once a second: only while watched.
        // (It once started sampling at start-up: its "last asked" began at long.MinValue, which overflowed.)
        await using var proxy = await stack.StartProxyAsync();
        await using (var load = new Load(proxy.Public))
        {
            await Eventually.TrueAsync(async () => (await proxy.GetJsonAsync("/admin/stats")).GetProperty("routes").EnumerateArray()
                .Any(r => r.GetProperty("backends").EnumerateObject().Any(b => b.Value.GetProperty("requests").GetInt64() > 800)), "about 3 s of traffic through the new proxy (samples would be taken once a second)", 60_000);
        }

        var first = await proxy.GetJsonAsync("/admin/dashboard/live");
        Assert.Equal(0, first.GetProperty("points").GetArrayLength());
        await Eventually.TrueAsync(async () => (await proxy.GetJsonAsync("/admin/dashboard/live")).GetProperty("points").GetArrayLength() > 0,
            "sampling to start once asked");
    }

    [Fact]
    public async Task ThePlaybookRun_AndTheNewestReconcilePerService_ComeFromWhatTheCliRecorded()
    {
        var data = Directory.CreateDirectory(Path.Combine(stack.StoreFolder, $"cli-{Guid.NewGuid():N}")).FullName;
        var playbooks = Directory.CreateDirectory(Path.Combine(data, "playbooks")).FullName;
        await File.WriteAllTextAsync(Path.Combine(playbooks, "extract-drivers.run.json"),
            """{"playbook":"extract-drivers","runId":"r1","status":"stopped","startedAt":"2026-11-30T10:00:00Z","updatedAt":"2026-11-30T10:05:00Z","steps":[{"id":"replicate","status":"done"},{"id":"shadow","status":"failed","detail":"shadowParity 97.0% < 99.0%"}]}""");
        await File.WriteAllLinesAsync(Path.Combine(data, "reconcile.jsonl"),
        [
            """{"at":"2026-11-30T10:01:00Z","service":"drivers","repair":false,"exitCode":2,"output":["public.drivers: 10 rows in legacy, 9 in the store","drift: 1 key"]}""",
            """{"at":"2026-11-30T10:02:00Z","service":"drivers","repair":true,"exitCode":0,"output":["[10:02:00 INF] a log line","no drift"]}""",
            """{"at":"2026-11-30T10:03:00Z","service":"trips","repair":false,"exitCode":2,"output":["drift: 4 keys"]}""",
            """{"at":"2026-11-30T10:03:30Z","service":null,"repair":false,"exitCode":0,"output":null}""", // not the recorded shape
            """{"at":null,"service":"drivers","exitCode":"0"}""",
            """[1, 2]""",
            """{"at":"2026-11-30T10:04:00Z","service":"passen""", // torn: being written
        ]);
        await using var proxy = await stack.StartProxyAsync($"--Proxy:Dashboard:PlaybookFolder={playbooks}", $"--Proxy:Dashboard:ReconcileLog={Path.Combine(data, "reconcile.jsonl")}");

        var live = await proxy.GetJsonAsync("/admin/dashboard/live");

        Assert.True(live.GetProperty("playbooksConfigured").GetBoolean());
        Assert.Equal("stopped", live.GetProperty("playbook").GetProperty("status").GetString());
        Assert.Equal("shadowParity 97.0% < 99.0%", live.GetProperty("playbook").GetProperty("steps")[1].GetProperty("detail").GetString());
        var reconciles = live.GetProperty("reconciles").EnumerateArray().Select(r => (
            r.GetProperty("service").GetString(), r.GetProperty("outcome").GetString(), r.GetProperty("repair").GetBoolean(), r.GetProperty("detail").GetString())).ToList();
        Assert.Equal([("trips", "drift", false, "drift: 4 keys"), ("drivers", "no drift", true, "no drift")], reconciles);

        // A reconcile recorded after the page first read the log shows at the next refresh (the reading is cached by the
        // file's write time and length).
        await File.AppendAllTextAsync(Path.Combine(data, "reconcile.jsonl"),
            "\n" + """{"at":"2026-11-30T10:09:00Z","service":"passengers","repair":false,"exitCode":1,"output":["error: the store is unreachable"]}""" + "\n");
        var after = (await proxy.GetJsonAsync("/admin/dashboard/live")).GetProperty("reconciles")[0];
        Assert.Equal(("passengers", "failed"), (after.GetProperty("service").GetString(), after.GetProperty("outcome").GetString()));

        var unconfigured = await stack.Proxy.GetJsonAsync("/admin/dashboard/live");
        Assert.False(unconfigured.GetProperty("playbooksConfigured").GetBoolean());
        Assert.False(unconfigured.GetProperty("reconcilesConfigured").GetBoolean());
    }

    [ChromiumFact]
    public async Task WrongToken_IsRefused_AndNothingIsShown()
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(DashboardUrl);
        await page.GetByTestId("token").FillAsync("not-the-token-0123456789");
        await page.GetByTestId("signin").ClickAsync();

        await Expect(page.GetByTestId("login-error")).ToContainTextAsync("not the admin token");
        await Expect(page.GetByTestId("routes")).Not.ToBeVisibleAsync();
        Assert.DoesNotContain("token", page.Url, StringComparison.OrdinalIgnoreCase);
    }

    [ChromiumFact]
    public async Task CanaryThroughThePage_MovesTheTableAndTheServedSplit_ThenRollsBack()
    {
        var page = await SignedInAsync();
        await Expect(page.GetByTestId("stage-drivers")).ToHaveTextAsync("LEGACY");
        await using var load = new Load(stack.Proxy.Public);

        await page.GetByTestId("stage-select-drivers").SelectOptionAsync("canary");
        await page.GetByTestId("weight-drivers").FillAsync("25");
        await page.GetByTestId("apply-drivers").ClickAsync();
        await page.GetByTestId("reason").FillAsync("first cohort, from the dashboard");
        await page.GetByTestId("confirm-ok").ClickAsync();

        await Expect(page.GetByTestId("stage-drivers")).ToHaveTextAsync("CANARY 25%");
        var route = await RouteAsync();
        Assert.Equal(("canary", 25), (route.GetProperty("stage").GetString(), route.GetProperty("weight").GetInt32()));

        // The split actually served, measured by the proxy over the last seconds, moves to the weight.
        var share = page.GetByTestId("share-chart");
        await Eventually.TrueAsync(async () =>
        {
            var text = await share.GetAttributeAsync("data-share");
            return double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) && value is >= 15 and <= 35;
        }, "the served share to reach about 25%", 45_000);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.ArtifactFolder, "dashboard-canary-under-load.png"), FullPage = true });

        await page.GetByTestId("rollback-drivers").ClickAsync();
        await page.GetByTestId("reason").FillAsync("seen enough");
        await page.GetByTestId("confirm-ok").ClickAsync();

        await Expect(page.GetByTestId("stage-drivers")).ToHaveTextAsync("LEGACY");
        Assert.Equal("legacy", (await RouteAsync()).GetProperty("stage").GetString());
        await Expect(page.GetByTestId("audit")).ToContainTextAsync("seen enough");
        await Expect(page.GetByTestId("audit")).ToContainTextAsync("by dashboard");
        await Eventually.TrueAsync(async () =>
        {
            var text = await share.GetAttributeAsync("data-share");
            return double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) && value < 5;
        }, "the served share to fall back to 0%", 45_000);
    }

    [ChromiumFact]
    public async Task InvalidWeight_ShowsTheApisError_AndChangesNothing()
    {
        var page = await SignedInAsync();
        var before = (await RouteAsync()).GetRawText();

        await page.GetByTestId("stage-select-drivers").SelectOptionAsync("canary");
        await page.GetByTestId("weight-drivers").FillAsync("150");
        await page.GetByTestId("apply-drivers").ClickAsync();
        await page.GetByTestId("reason").FillAsync("too much");
        await page.GetByTestId("confirm-ok").ClickAsync();

        await Expect(page.GetByTestId("confirm-error")).ToContainTextAsync("weight");
        await Expect(page.GetByTestId("confirm")).ToBeVisibleAsync();
        Assert.Equal(before, (await RouteAsync()).GetRawText());
        await page.GetByTestId("cancel").ClickAsync();
        await Expect(page.GetByTestId("stage-drivers")).ToHaveTextAsync("LEGACY");
    }

    [ChromiumFact]
    public async Task PhoneWidth_ShowsEverything_WithoutSidewaysScrolling()
    {
        var page = await SignedInAsync(390, 844);
        await Expect(page.GetByTestId("stage-drivers")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("rollback-drivers")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("share-chart")).ToBeVisibleAsync();
        var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
        Assert.False(overflow, "the page is wider than a phone screen");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.ArtifactFolder, "dashboard-phone.png"), FullPage = true });
    }

    /// <summary>Reads through the proxy from 2,000 users, about 250 requests/s, until disposed.</summary>
    private sealed class Load : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task[] _workers;

        public Load(HttpClient proxy)
        {
            _workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
            {
                var random = new Random(w);
                using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(16));
                while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/api/drivers?pageSize=1");
                    request.Headers.Add("X-User-Id", $"user-{random.Next(2000)}");
                    using var response = await proxy.SendAsync(request, _stop.Token).ConfigureAwait(false);
                }
            })).ToArray();
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await Task.WhenAll(_workers);
            }
            catch (OperationCanceledException)
            {
            }

            _stop.Dispose();
        }
    }
}

/// <summary>The browser tests share one Chromium at a time and the generated load: not beside each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DashboardCollection
{
    public const string Name = "dashboard";
}
