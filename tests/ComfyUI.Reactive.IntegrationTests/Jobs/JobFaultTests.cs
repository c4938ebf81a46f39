using System.Reactive.Linq;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.IntegrationTests.Emulator;
using ComfyUI.Reactive.Jobs;

namespace ComfyUI.Reactive.IntegrationTests.Jobs;

/// <summary>Jobs under faults: cancellation, timeouts, dropped sockets, restarts, many jobs and clients.</summary>
public sealed class JobFaultTests
{
    private static ComfyEmulatorOptions SlowBlur(int ms) => new()
    {
        SamplerStepTime = TimeSpan.FromMilliseconds(2),
        NodeDelays = new Dictionary<string, TimeSpan> { ["ImageBlur"] = TimeSpan.FromMilliseconds(ms) },
    };

    private static async Task<JsonNode> QueueAsync(JobHarness h) => await Fixture.GetJsonAsync(h.Http, "/queue");

    [Fact]
    public async Task Dispose_WhileQueued_DeletesOnlyThatPromptAndTheOtherJobCompletes()
    {
        await using var h = await JobHarness.StartAsync();
        var client = h.Client();
        h.Emulator.Faults.PauseQueue();
        var keep = JobRecording.Start(client.Run(JobHarness.Load("text_preview_any")));
        var cancel = JobRecording.Start(client.Run(JobHarness.Load("basic_empty_invert_save")));
        await keep.WaitForAsync<JobQueued>();
        await cancel.WaitForAsync<JobQueued>();

        cancel.Subscription.Dispose();
        await client.GetJobTracker().WhenCancellationsSentAsync().WaitAsync(JobHarness.Wait);
        var pending = (await QueueAsync(h))["queue_pending"]!.AsArray().Select(i => i![1]!.GetValue<string>()).ToList();
        h.Emulator.Faults.ResumeQueue();
        await keep.EndedAsync();

        Assert.Equal([keep.PromptId!], pending);
        Assert.Null(keep.Error);
        Assert.Equal(0, h.Emulator.GetExecutionCount(cancel.PromptId!));
        Assert.Equal(0, cancel.Terminals);
        Assert.Equal(1, h.Emulator.TotalExecutions);
    }

    [Fact]
    public async Task Dispose_WhileRunning_InterruptsOnlyThatPromptAndTheNextJobCompletes()
    {
        await using var h = await JobHarness.StartAsync(SlowBlur(200));
        var client = h.Client();
        var running = JobRecording.Start(client.Run(JobHarness.Load("slow_blur_chain")));
        await running.WaitForAsync<JobNodeStarted>(n => n.ClassType == "ImageBlur");
        var next = JobRecording.Start(client.Run(JobHarness.Load("text_preview_any")));
        await next.WaitForAsync<JobQueued>();

        running.Subscription.Dispose();
        await next.EndedAsync();

        Assert.Null(next.Error);
        var history = await Fixture.GetJsonAsync(h.Http, $"/history/{running.PromptId}");
        var messages = history[running.PromptId!]!["status"]!["messages"]!.AsArray().Select(m => m![0]!.GetValue<string>());
        Assert.Contains("execution_interrupted", messages);
        Assert.Equal(0, running.Terminals);
    }

    [Fact]
    public async Task RunAsync_TokenCancelledWhileQueued_ThrowsOperationCanceledAndDeletesThePrompt()
    {
        await using var h = await JobHarness.StartAsync();
        var client = h.Client();
        h.Emulator.Faults.PauseQueue();
        using var cts = new CancellationTokenSource();
        var task = client.RunAsync(JobHarness.Load("text_preview_any"), cancellationToken: cts.Token);
        await WaitUntilPendingAsync(h, 1);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(JobHarness.Wait));
        await client.GetJobTracker().WhenCancellationsSentAsync().WaitAsync(JobHarness.Wait);
        Assert.Empty((await QueueAsync(h))["queue_pending"]!.AsArray());
    }

    [Fact]
    public async Task StartTimeout_QueueNeverStarts_TimesOutAndDeletesThePrompt()
    {
        await using var h = await JobHarness.StartAsync();
        var client = h.Client();
        h.Emulator.Faults.PauseQueue();

        var error = await Assert.ThrowsAsync<ComfyTimeoutException>(
            () => client.RunAsync(JobHarness.Load("text_preview_any"), new JobOptions { StartTimeout = TimeSpan.FromMilliseconds(300) }));

        Assert.Equal("start", error.Phase);
        Assert.False(error.ServerBusy); // nothing runs: a stalled queue, not a busy server
        await client.GetJobTracker().WhenCancellationsSentAsync().WaitAsync(JobHarness.Wait);
        Assert.Empty((await QueueAsync(h))["queue_pending"]!.AsArray());
    }

    [Fact]
    public async Task StartTimeout_QueueBlocked_TheTimedOutPromptNeverExecutesAfterTheQueueResumes()
    {
        await using var h = await JobHarness.StartAsync();
        var client = h.Client();
        h.Emulator.Faults.PauseQueue();
        var late = JobRecording.Start(client.Run(JobHarness.Load("text_preview_any"), new JobOptions { StartTimeout = TimeSpan.FromMilliseconds(300) }));
        await late.EndedAsync();
        await client.GetJobTracker().WhenCancellationsSentAsync().WaitAsync(JobHarness.Wait);

        h.Emulator.Faults.ResumeQueue();
        // The queue is first in, first out: once a later prompt has run, the timed-out one would have run before it.
        var next = await client.RunAsync(JobHarness.Load("text_preview_any").Set("1.inputs.string_b", "after"));

        Assert.Equal("start", Assert.IsType<ComfyTimeoutException>(late.Error).Phase);
        Assert.Equal(1, late.Terminals);
        Assert.Equal(0, h.Emulator.GetExecutionCount(late.PromptId!));
        Assert.Equal(1, h.Emulator.GetExecutionCount(next.PromptId));
        Assert.Equal(1, h.Emulator.TotalExecutions);
    }

    [Fact]
    public async Task InactivityTimeout_HungNode_TimesOutWithPhaseInactivity()
    {
        await using var h = await JobHarness.StartAsync();
        var client = h.Client();
        h.Emulator.Faults.HangNode("ImageInvert");
        try
        {
            var recording = JobRecording.Start(client.Run(
                JobHarness.Load("basic_empty_invert_save"), new JobOptions { InactivityTimeout = TimeSpan.FromMilliseconds(400) }));
            await recording.EndedAsync();

            var error = Assert.IsType<ComfyTimeoutException>(recording.Error);
            Assert.Equal("inactivity", error.Phase);
            Assert.Contains(recording.Updates, u => u is JobNodeStarted { ClassType: "ImageInvert" });
            Assert.Equal(1, recording.Terminals);
        }
        finally
        {
            h.Emulator.Faults.ReleaseHungNodes();
        }
    }

    [Fact]
    public async Task OverallTimeout_SlowJob_TimesOutWithPhaseOverallAndInterrupts()
    {
        await using var h = await JobHarness.StartAsync(SlowBlur(300));
        var client = h.Client();

        var error = await Assert.ThrowsAsync<ComfyTimeoutException>(
            () => client.RunAsync(JobHarness.Load("slow_blur_chain"), new JobOptions { OverallTimeout = TimeSpan.FromMilliseconds(500) }));

        Assert.Equal("overall", error.Phase);
        await client.GetJobTracker().WhenCancellationsSentAsync().WaitAsync(JobHarness.Wait);
        var next = await client.RunAsync(JobHarness.Load("text_preview_any"));
        var history = await Fixture.GetJsonAsync(h.Http, "/history");
        Assert.Contains(
            history.AsObject(),
            p => p.Key != next.PromptId && p.Value!["status"]!["messages"]!.AsArray().Any(m => m![0]!.GetValue<string>() == "execution_interrupted"));
    }

    [Fact]
    public async Task SocketDroppedMidJob_JobFinishesDuringOutage_CompletesFromHistoryBeforeTheSocketReturns()
    {
        await using var h = await JobHarness.StartAsync(SlowBlur(150));
        var client = h.Client();
        var recording = JobRecording.Start(client.Run(JobHarness.Load("slow_blur_chain")));
        await recording.WaitForAsync<JobNodeStarted>(n => n.ClassType == "ImageBlur");

        h.Emulator.Faults.RefuseWebSockets(TimeSpan.FromSeconds(20));
        h.Emulator.Faults.DropAllSockets();
        await recording.EndedAsync();
        var stateAtEnd = client.ConnectionState;

        Assert.Null(recording.Error);
        Assert.Equal(1, recording.Terminals);
        Assert.NotEqual(ConnectionState.Connected, stateAtEnd);
        Assert.Single(recording.Result!.Outputs["8"].Images);
        Assert.Equal(1, h.Emulator.GetExecutionCount(recording.PromptId!));
        h.Emulator.Faults.AcceptWebSockets();
    }

    [Fact]
    public async Task ServerRestarted_WhileJobQueued_FailsWithJobLost()
    {
        await using var h = await JobHarness.StartAsync();
        var client = h.Client();
        h.Emulator.Faults.PauseQueue();
        var recording = JobRecording.Start(client.Run(JobHarness.Load("text_preview_any")));
        await recording.WaitForAsync<JobQueued>();

        await h.Emulator.RestartAsync();
        await recording.EndedAsync();

        var error = Assert.IsType<ComfyJobLostException>(recording.Error);
        Assert.Equal(recording.PromptId, error.PromptId);
        Assert.Equal(1, recording.Terminals);
    }

    [Fact]
    public async Task QueuedJobs_PositionsAreReportedAndMoveUp()
    {
        // 250 ms per blur: the queue refresh that sees the third job at position 1 must come while the first job runs,
        // which a loaded CI machine once missed with 100 ms.
        await using var h = await JobHarness.StartAsync(SlowBlur(250));
        var client = h.Client();
        var first = JobRecording.Start(client.Run(JobHarness.Load("slow_blur_chain")));
        await first.WaitForAsync<JobStarted>();
        // Also slow (not cached: another sigma), so the queue refresh sees the third job move up while it runs.
        var second = JobRecording.Start(client.Run(JobHarness.Load("slow_blur_chain").Set("2.inputs.sigma", 4.0)));
        var third = JobRecording.Start(client.Run(JobHarness.Load("basic_empty_invert_save")));

        await third.WaitForAsync<JobQueued>(q => q.Position == 1);
        await third.WaitForAsync<JobQueued>(q => q.Position == 0);
        await Task.WhenAll(first.EndedAsync(), second.EndedAsync(), third.EndedAsync());

        Assert.Contains(second.Updates, u => u is JobQueued { Position: 0 });
        Assert.DoesNotContain(third.Updates.SkipWhile(u => u is not JobStarted), u => u is JobQueued);
    }

    [Fact]
    public async Task ThousandConcurrentJobs_OneClient_EachGetsItsOwnOutputExactlyOnce()
    {
        await using var h = await JobHarness.StartAsync();
        var client = h.Client();
        var template = JobHarness.Load("text_preview_any");

        var recordings = Enumerable.Range(0, 1000)
            .Select(i => JobRecording.Start(client.Run(template.Set("1.inputs.string_b", $"job {i}"))))
            .ToList();
        await Task.WhenAll(recordings.Select(r => r.Ended)).WaitAsync(TimeSpan.FromMinutes(3));

        for (var i = 0; i < recordings.Count; i++)
        {
            var r = recordings[i];
            Assert.Null(r.Error);
            Assert.Equal(1, r.Terminals);
            Assert.All(r.Updates, u => Assert.Equal(r.PromptId, u.PromptId));
            Assert.Equal([$"Hello, job {i}"], r.Result!.Outputs["2"].Text);
        }

        Assert.Equal(1000, h.Emulator.TotalExecutions);
        Assert.Equal(0, client.GetJobTracker().Count);
    }

    [Fact]
    public async Task SeveralClients_OneServer_EachJobSeesOnlyItsOwnEvents()
    {
        await using var h = await JobHarness.StartAsync();
        var clients = Enumerable.Range(0, 4).Select(_ => h.Client()).ToList();
        var template = JobHarness.Load("txt2img_sd15").Set("3.inputs.steps", 3);

        var recordings = clients
            .SelectMany((c, ci) => Enumerable.Range(0, 10).Select(i => (Text: $"client {ci} job {i}", Recording:
                JobRecording.Start(c.Run(template.Set("6.inputs.text", $"client {ci} job {i}").Output("image", "9"))))))
            .ToList();
        await Task.WhenAll(recordings.Select(r => r.Recording.Ended)).WaitAsync(TimeSpan.FromMinutes(2));

        foreach (var (_, r) in recordings)
        {
            Assert.Null(r.Error);
            Assert.Equal(1, r.Terminals);
            Assert.All(r.Updates, u => Assert.Equal(r.PromptId, u.PromptId));

            // Exactly this prompt's KSampler ticks: 3 steps, no other prompt's progress leaked in.
            Assert.Equal([1.0, 2.0, 3.0], r.Updates.OfType<JobProgress>().Where(p => p.NodeId == "3" && p.Max == 3).Select(p => p.Value).Distinct());
            Assert.Single(r.Result!["image"].Images);
        }
    }

    private static async Task WaitUntilPendingAsync(JobHarness h, int count)
    {
        var deadline = DateTime.UtcNow + JobHarness.Wait;
        while ((await QueueAsync(h))["queue_pending"]!.AsArray().Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, "the prompt was not queued in time");
            await Task.Yield();
        }
    }
}
