using ComfyUI.Reactive.Emulator;

namespace ComfyUI.Reactive.IntegrationTests.Emulator;

/// <summary><see cref="ComfyEmulator.GetExecutions"/>: the worker's server-side timeline (used by the pool benchmark's idle gaps).</summary>
public sealed class ExecutionTimelineTests
{
    [Fact]
    public async Task GetExecutions_TwoPromptsAndAFailure_RecordsEachInOrderWithItsSpanAndOutcome()
    {
        var delay = TimeSpan.FromMilliseconds(60);
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions
        {
            NodeDelays = new Dictionary<string, TimeSpan> { ["StringConcatenate"] = delay },
        });
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        await using var client = await RawClient.ConnectAsync(emulator.BaseAddress, "timeline", featureFlags: false);

        var first = Fixture.Workflow("text_preview_any");
        var second = Fixture.Workflow("text_preview_any");
        second["1"]!["inputs"]!["string_a"] = "other text, so not cached";
        var a = await Fixture.SubmitAsync(http, first, "timeline");
        var b = await Fixture.SubmitAsync(http, second, "timeline");
        await client.WaitForDoneAsync(a);
        await client.WaitForDoneAsync(b);
        emulator.Faults.FailNode("PreviewAny", "boom");
        var third = Fixture.Workflow("text_preview_any");
        third["1"]!["inputs"]!["string_a"] = "a third text";
        var c = await Fixture.SubmitAsync(http, third, "timeline");
        await client.WaitForDoneAsync(c);

        var timeline = emulator.GetExecutions();

        Assert.Equal([a, b, c], timeline.Select(e => e.PromptId));
        // Task.Delay runs on the millisecond tick count, so it may end up to a tick before the precise clock says.
        Assert.All(timeline, e => Assert.True(e.Duration >= delay - TimeSpan.FromMilliseconds(5), $"{e.PromptId} took {e.Duration}"));
        Assert.True(timeline[1].StartedAt >= timeline[0].EndedAt);
        Assert.True(timeline[2].StartedAt >= timeline[1].EndedAt);
        Assert.Equal([true, true, false], timeline.Select(e => e.Succeeded));
    }

    [Fact]
    public async Task GetExecutions_MoreThanTheHistoryCap_KeepsTheMostRecent()
    {
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { MaxHistoryItems = 2 });
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        await using var client = await RawClient.ConnectAsync(emulator.BaseAddress, "cap", featureFlags: false);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var prompt = Fixture.Workflow("text_preview_any");
            prompt["1"]!["inputs"]!["string_a"] = $"text {i}";
            var id = await Fixture.SubmitAsync(http, prompt, "cap");
            await client.WaitForDoneAsync(id);
            ids.Add(id);
        }

        Assert.Equal(ids[1..], emulator.GetExecutions().Select(e => e.PromptId));
    }
}
