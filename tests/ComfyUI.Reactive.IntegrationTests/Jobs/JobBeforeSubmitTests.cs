using ComfyUI.Reactive.IntegrationTests.Pooling;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;

namespace ComfyUI.Reactive.IntegrationTests.Jobs;

/// <summary><see cref="JobOptions.BeforeSubmit"/> and <see cref="PoolJobOptions.BeforeSubmit"/>: the prompt id is handed
/// over before the server knows the prompt, and it is the id the prompt then runs under.</summary>
public sealed class JobBeforeSubmitTests
{
    [Fact]
    public async Task Run_BeforeSubmit_GetsTheRunsPromptIdBeforeTheServerHasIt()
    {
        await using var h = await JobHarness.StartAsync();
        var client = h.Client();
        string? recorded = null;
        var queuedOnServer = true;

        var result = await client.RunAsync(JobHarness.Load("txt2img_sd15"), new JobOptions
        {
            BeforeSubmit = async (promptId, ct) =>
            {
                recorded = promptId;
                var queue = await client.Api.GetQueueAsync(ct);
                queuedOnServer = queue.Running.Concat(queue.Pending).Any(i => i.PromptId == promptId) || h.Emulator.GetExecutionCount(promptId) > 0;
            },
        }).WaitAsync(JobHarness.Wait);

        Assert.Equal(result.PromptId, recorded);
        Assert.False(queuedOnServer);
    }

    [Fact]
    public async Task Run_BeforeSubmitThrows_JobFailsWithItAndNothingIsPosted()
    {
        await using var h = await JobHarness.StartAsync();
        var client = h.Client();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => client.RunAsync(JobHarness.Load("txt2img_sd15"), new JobOptions
        {
            BeforeSubmit = (_, _) => throw new InvalidOperationException("the store is down"),
        }).WaitAsync(JobHarness.Wait));

        Assert.Equal("the store is down", error.Message);
        Assert.Equal(0, h.Emulator.TotalExecutions);
    }

    [Fact]
    public async Task PoolRun_BeforeSubmit_GetsEachAttemptsServerAndPromptId()
    {
        await using var h = new PoolHarness();
        var emulators = await h.StartManyAsync(1);
        var ids = await h.AddAndWaitReadyAsync(emulators);
        var attempts = new List<(ServerId Server, string PromptId)>();

        var result = await h.Pool.RunAsync(JobHarness.Load("txt2img_sd15"), new PoolJobOptions
        {
            BeforeSubmit = (server, promptId, _) =>
            {
                lock (attempts)
                {
                    attempts.Add((server, promptId));
                }

                return Task.CompletedTask;
            },
        }).WaitAsync(PoolHarness.Bound);

        Assert.Equal((ids[0], result.PromptId), Assert.Single(attempts));
    }
}
