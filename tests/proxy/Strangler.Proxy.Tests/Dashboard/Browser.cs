using Microsoft.Playwright;

namespace Strangler.Proxy.Tests.Dashboard;

/// <summary>
/// Debian's Chromium driven by Playwright (never a downloaded browser): <c>STRANGLER_CHROMIUM</c> or
/// /usr/bin/chromium. .ci/run installs the package; without any Chromium the browser tests skip, saying why.
/// </summary>
public static class Browser
{
    public static string? ChromiumPath { get; } =
        new[] { Environment.GetEnvironmentVariable("STRANGLER_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser" }
            .FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p));

    /// <summary>Where the tests leave screenshots (a test artifact): TestResults/dashboard next to the test assembly.</summary>
    public static string ArtifactFolder { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard")).FullName;

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // As root (CI) Chromium needs --no-sandbox; /dev/shm may be small in containers.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
        return (playwright, browser);
    }
}

/// <summary>A fact that needs Chromium: skipped, with the reason, only when no Chromium exists at all.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Browser.ChromiumPath is null)
        {
            Skip = "No Chromium on this machine (apt-get install -y chromium, or set STRANGLER_CHROMIUM): the dashboard's browser tests need one.";
        }
    }
}
