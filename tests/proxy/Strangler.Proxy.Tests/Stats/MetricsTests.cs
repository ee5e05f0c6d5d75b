using System.Diagnostics;
using System.Globalization;

namespace Strangler.Proxy.Tests.Stats;

/// <summary>/metrics is valid Prometheus exposition format, checked by Prometheus's own promtool, and carries the numbers.</summary>
public sealed class MetricsTests(StranglerStack stack) : IClassFixture<StranglerStack>
{
    [Fact]
    public async Task Metrics_AfterMixedTraffic_PassPromtoolCheck_AndCountTheRequests()
    {
        await stack.Proxy.PutRouteAsync("metrics-a", new { path = "/api/drivers/{**rest}", destinations = new[] { stack.ServiceAddress.ToString() }, stage = "service" });
        await stack.Proxy.PutRouteAsync("metrics.b", new { path = "/api/passengers/{**rest}", destinations = new[] { stack.ServiceAddress.ToString() } });
        await stack.Proxy.SetStageAsync("metrics.b", "canary", 50);
        for (var i = 0; i < 7; i++)
        {
            (await stack.Proxy.Public.GetAsync("/api/drivers?pageSize=1")).Dispose();
            (await stack.Proxy.Public.GetAsync($"/api/passengers/{999_999 + i}")).Dispose();
            (await stack.Proxy.Public.GetAsync("/api/trips?pageSize=1")).Dispose();
        }

        var text = await stack.Proxy.Admin.GetStringAsync("/metrics");

        var (exitCode, output) = await PromtoolCheckAsync(text);
        Assert.True(exitCode == 0, $"promtool check metrics: {output}\n{text}");
        Assert.Equal(7, Value(text, "strangler_requests_total{route=\"metrics-a\",backend=\"service\",status_class=\"2xx\"}"));
        Assert.Equal(7, Value(text, "strangler_request_duration_seconds_count{route=\"metrics-a\",backend=\"service\"}"));
        Assert.True(Value(text, "strangler_request_duration_seconds_sum{route=\"metrics-a\",backend=\"service\"}") > 0);
        Assert.Equal(50, Value(text, "strangler_route_canary_weight{route=\"metrics.b\"}"));
        Assert.Equal(1, Value(text, "strangler_route_stage{route=\"metrics-a\",stage=\"service\"}"));
    }

    private static double Value(string text, string series)
    {
        var line = text.Split('\n').SingleOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        Assert.True(line is not null, $"no series {series} in:\n{text}");
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    private static async Task<(int ExitCode, string Output)> PromtoolCheckAsync(string metrics)
    {
        var promtool = new[] { "/usr/bin/promtool", "/usr/local/bin/promtool" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("promtool is not installed: apt-get install prometheus (.ci/run installs it).");
        using var process = Process.Start(new ProcessStartInfo(promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await process.StandardInput.WriteAsync(metrics);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, output);
    }
}
