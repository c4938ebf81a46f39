using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Jobs;

namespace ComfyUI.Reactive.IntegrationTests.Jobs;

/// <summary>Jobs on a server older than 2025-07-14 (the emulator's <c>IgnoreClientPromptId</c>): they follow the server's id.</summary>
public sealed class JobOldServerTests
{
    private static ComfyEmulatorOptions OldServer(TimeSpan step) => new() { SamplerStepTime = step, IgnoreClientPromptId = true };

    [Fact]
    public async Task Run_ServerIgnoresTheClientsPromptId_JobsCompleteUnderTheServersIds()
    {
        await using var h = await JobHarness.StartAsync(OldServer(TimeSpan.Zero));
        var client = h.Client();
        var template = JobHarness.Load("text_preview_any");

        // Zero-time nodes: the server often runs a prompt before its answer to the POST arrives.
        var recordings = Enumerable.Range(0, 50)
            .Select(i => JobRecording.Start(client.Run(template.Set("1.inputs.string_b", $"old {i}"))))
            .ToList();
        await Task.WhenAll(recordings.Select(r => r.EndedAsync()));

        for (var i = 0; i < recordings.Count; i++)
        {
            var r = recordings[i];
            Assert.Null(r.Error);
            Assert.Equal(1, r.Terminals);
            Assert.All(r.Updates, u => Assert.Equal(r.PromptId, u.PromptId));
            Assert.Equal(1, h.Emulator.GetExecutionCount(r.PromptId!));
            Assert.Equal([$"Hello, old {i}"], r.Result!.Outputs["2"].Text);
            Assert.Contains(r.Updates, u => u is JobStarted);
        }

        Assert.Equal(50, h.Emulator.TotalExecutions);
        Assert.Equal(0, client.GetJobTracker().Count);
    }

    [Fact]
    public async Task Dispose_WhileQueuedOnAnOldServer_DeletesThePromptByTheServersId()
    {
        await using var h = await JobHarness.StartAsync(OldServer(TimeSpan.FromMilliseconds(2)));
        var client = h.Client();
        h.Emulator.Faults.PauseQueue();
        var cancel = JobRecording.Start(client.Run(JobHarness.Load("text_preview_any")));
        var serverId = (await cancel.WaitForAsync<JobQueued>()).PromptId;

        cancel.Subscription.Dispose();
        await client.GetJobTracker().WhenCancellationsSentAsync().WaitAsync(JobHarness.Wait);
        h.Emulator.Faults.ResumeQueue();
        var next = await client.RunAsync(JobHarness.Load("text_preview_any").Set("1.inputs.string_b", "after")).WaitAsync(JobHarness.Wait);

        Assert.Equal(0, h.Emulator.GetExecutionCount(serverId));
        Assert.Equal(1, h.Emulator.GetExecutionCount(next.PromptId));
        Assert.Equal(1, h.Emulator.TotalExecutions);
    }
}
