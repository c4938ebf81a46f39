using System.Diagnostics;

namespace ComfyUI.Reactive.WebApp.Tests;

/// <summary>Stopping the app while browsers hold its event streams open.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task Dispose_WithOpenDashboardAndJobStreams_StopsWithinSeconds()
    {
        var app = await TestApp.StartAsync(stepTime: TimeSpan.FromSeconds(1));   // a job of 20 s: its stream stays open
        using var http = new HttpClient { BaseAddress = app.Host.BaseAddress, Timeout = TestApp.Limit };
        using var post = await http.PostAsync("/render", new StringContent("{\"prompt\": \"long\"}", System.Text.Encoding.UTF8, "application/json"));
        var id = System.Text.Json.JsonDocument.Parse(await post.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        using var limit = new CancellationTokenSource(TestApp.Limit);
        var dashboard = Sse.ReadAsync(http, "/dashboard/events", limit.Token).GetAsyncEnumerator(limit.Token);
        var job = Sse.ReadAsync(http, $"/render/{id}/events", limit.Token).GetAsyncEnumerator(limit.Token);
        Assert.True(await dashboard.MoveNextAsync());
        Assert.True(await job.MoveNextAsync());

        var watch = Stopwatch.StartNew();
        await app.DisposeAsync();

        // Kestrel would otherwise wait out its shutdown timeout for the open streams.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {watch.Elapsed}");
        await dashboard.DisposeAsync();
        await job.DisposeAsync();
    }
}
