using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ComfyUI.Reactive.WebApp.Tests;

/// <summary>
/// The dashboard in headless Chromium, asserting what a person sees: servers and their state, a job's progress bar
/// advancing, its preview appearing, its thumbnail when finished, a server shown unhealthy once its emulator stops.
/// Every wait is Playwright's bounded auto-wait; screenshots go to the test output folder.
/// </summary>
public sealed class DashboardBrowserTests(ChromiumFixture chromium, ITestOutputHelper output) : IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private const float Timeout = 30_000;
    private TestApp _app = null!;
    private IBrowserContext _context = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        // 20 steps of 150 ms: three seconds a job, long enough to see the bar move between the pool's 250 ms samples.
        _app = await TestApp.StartAsync(stepTime: TimeSpan.FromMilliseconds(150));
        SetDefaultExpectTimeout(Timeout);
        _context = await chromium.Browser.NewContextAsync(new() { BaseURL = _app.Host.BaseAddress.ToString(), ViewportSize = new() { Width = 1200, Height = 900 } });
        _page = await _context.NewPageAsync();
        _page.SetDefaultTimeout(Timeout);
        await _page.GotoAsync("/");
        await Expect(_page.Locator("#connection")).ToHaveTextAsync("live");
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Dashboard_Opened_ShowsBothServersReady()
    {
        await Expect(_page.Locator("#servers tr[data-server='gpu-1'] .state")).ToHaveTextAsync("Ready");
        await Expect(_page.Locator("#servers tr[data-server='gpu-2'] .state")).ToHaveTextAsync("Ready");
        await Expect(_page.Locator("#servers tr[data-server='gpu-1'] .load")).ToContainTextAsync("0/2 in flight");
    }

    [Fact]
    public async Task Dashboard_JobSubmittedFromTheForm_ShowsAdvancingProgressAPreviewThenAThumbnail()
    {
        await _page.Locator("#prompt").FillAsync("a lighthouse on a cliff at dusk");
        await _page.Locator("#render").ClickAsync();

        var card = _page.Locator("#running .job").First;
        await Expect(card.Locator(".prompt")).ToHaveTextAsync("a lighthouse on a cliff at dusk");
        var bar = card.Locator("progress");
        var first = await _page.WaitForFunctionAsync(
            "() => { const p = document.querySelector('#running .job progress'); return p && p.value > 0 && p.value < 1 ? p.value : null; }");
        var start = await first.JsonValueAsync<double>();
        await _page.WaitForFunctionAsync(
            "start => { const p = document.querySelector('#running .job progress'); return p && p.value > start && p.value < 1; }", start);
        var later = await bar.EvaluateAsync<double>("p => p.value");
        output.WriteLine($"progress bar advanced from {start:P0} to at least {later:P0}");

        var preview = card.Locator("img.preview");
        await Expect(preview).ToBeVisibleAsync();
        await Expect(preview).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("^data:image/"));
        await Expect(card.Locator(".meta")).ToContainTextAsync("gpu-");
        await Expect(card.Locator(".meta")).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"about \d+ s left"));   // JobProgress.EstimatedRemaining
        await ScreenshotAsync("dashboard-running");

        var thumbnail = _page.Locator("#finished .finished[data-status='completed'] img.thumbnail").First;
        await Expect(thumbnail).ToBeVisibleAsync();
        await _page.WaitForFunctionAsync(
            "() => { const i = document.querySelector('#finished img.thumbnail'); return i && i.complete && i.naturalWidth > 0; }");
        await Expect(_page.Locator("#running .job")).ToHaveCountAsync(0);
        await Expect(_page.Locator("#finished-count")).ToHaveTextAsync("1");
        await ScreenshotAsync("dashboard-finished");
    }

    [Fact]
    public async Task Dashboard_ManyJobs_ShowsTheQueueDrainingIntoFinished()
    {
        // Two servers with a capacity of two each take four; the rest wait in the pool's queue.
        for (var i = 0; i < 7; i++)
        {
            using var response = await _app.Http.PostAsJsonAsync("/render", new { prompt = $"study {i}", width = 128, height = 128 });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        await Expect(_page.Locator("#queue li").First).ToBeVisibleAsync();
        await Expect(_page.Locator("#servers tr[data-server='gpu-1'] .state")).ToHaveTextAsync("Busy");
        await ScreenshotAsync("dashboard-queue");
        await Expect(_page.Locator("#finished .finished[data-status='completed']")).ToHaveCountAsync(7, new() { Timeout = 60_000 });
        await Expect(_page.Locator("#queue li")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Dashboard_OpenedAfterAJobFinished_ShowsItsThumbnailFromTheSnapshot()
    {
        using var post = await _app.Http.PostAsJsonAsync("/render", new { prompt = "before the page", width = 128, height = 128 });
        var id = (await post.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await Sse.ReadToEndAsync(_app.Http, $"/render/{id}/events");

        var page = await _context.NewPageAsync();
        await page.GotoAsync("/");

        await Expect(page.Locator($"#finished [data-job-id='{id}'] img.thumbnail")).ToBeVisibleAsync();
        await Expect(page.Locator($"#finished [data-job-id='{id}'] .prompt")).ToHaveTextAsync("before the page");
    }

    [Fact]
    public async Task Dashboard_CancelButton_MovesTheJobToFinishedAsCancelled()
    {
        using var post = await _app.Http.PostAsJsonAsync("/render", new { prompt = "cancel from the page" });
        var card = _page.Locator("#running .job").First;
        await Expect(card).ToBeVisibleAsync();

        await card.Locator("button.cancel").ClickAsync();

        await Expect(_page.Locator("#finished .finished[data-status='cancelled']")).ToHaveCountAsync(1);
        await Expect(_page.Locator("#running .job")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Dashboard_EmulatorStopped_ShowsThatServerUnhealthy()
    {
        var gpu2 = _page.Locator("#servers tr[data-server='gpu-2'] .state");
        await Expect(gpu2).ToHaveTextAsync("Ready");

        await _app.Host.Emulators[1].StopAsync();

        await Expect(gpu2).ToHaveTextAsync("Unhealthy");
        await Expect(_page.Locator("#servers tr[data-server='gpu-1'] .state")).ToHaveTextAsync("Ready");
        await ScreenshotAsync("dashboard-unhealthy");
    }

    private async Task ScreenshotAsync(string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + ".png");
        await _page.ScreenshotAsync(new() { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
    }
}
