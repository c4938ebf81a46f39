using Microsoft.Playwright;

namespace ComfyUI.Reactive.WebApp.Tests;

/// <summary>
/// One headless Chromium for a test class: Debian's <c>chromium</c> package driven by Playwright. Playwright never
/// downloads a browser here; when Chromium is missing the fixture throws, so every browser test fails with the reason
/// (a browser test that silently skips would hide a broken CI).
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var executable = Locate() ?? throw new InvalidOperationException(
            "Chromium not found (looked for /usr/bin/chromium and chromium/chromium-browser on PATH). The browser tests need " +
            "Debian's chromium package: apt-get install -y chromium (.ci/run installs it when missing).");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = executable,
            Args = ["--no-sandbox"],   // tests run as root
            Headless = true,
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    private static string? Locate()
    {
        if (File.Exists("/usr/bin/chromium"))
        {
            return "/usr/bin/chromium";
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(dir => new[] { Path.Combine(dir, "chromium"), Path.Combine(dir, "chromium-browser") })
            .FirstOrDefault(File.Exists);
    }
}
