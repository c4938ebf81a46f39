using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.IntegrationTests.Jobs;
using ComfyUI.Reactive.IntegrationTests.Pooling;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;

namespace ComfyUI.Reactive.IntegrationTests.Reliability;

/// <summary>
/// A pool job with a start timeout on servers busy with another client's long job (issue 11): it never hangs, never
/// gives up while the servers are merely busy, and runs exactly once when one frees up.
/// </summary>
[Collection(nameof(ReliabilityTests))] // timing-sensitive: not alongside the fault soak
public sealed class BusyServerTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly PoolHarness _h = new();

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 never calls a test class's DisposeAsync (emulators and pools leaked).
    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    [Fact]
    public async Task Pool_OnlyServerBusyWithAnotherClientsLongJob_WaitsWithoutUsingAttemptsAndRunsOnceAfterIt()
    {
        var busy = await _h.StartAsync(Blurs(TimeSpan.FromMilliseconds(500)));   // the other job: 6 × 0.5 s
        var (someoneElse, longJob) = await StartForeignLongJobAsync(busy);
        await using var _ = someoneElse;
        var server = (await _h.AddAndWaitReadyAsync([busy]))[0];

        var job = JobRecording.Start(_h.Pool.Run(
            JobHarness.Load("basic_empty_invert_save"),
            new PoolJobOptions { MaxAttempts = 1, Job = new JobOptions { StartTimeout = TimeSpan.FromSeconds(1) } }));
        await job.EndedAsync();
        await longJob.EndedAsync();

        Assert.Null(job.Error);
        Assert.Equal(1, job.Result!.Pool!.Attempts);
        var waits = job.Updates.OfType<JobAttemptFailed>().ToList();
        Assert.NotEmpty(waits); // the 3-second job outlasted at least one 1-second start timeout
        Assert.All(waits, w =>
        {
            Assert.Equal((server, 1, true), (w.Server, w.Attempt, w.WillRetry));
            Assert.True(Assert.IsType<ComfyTimeoutException>(w.Reason).ServerBusy);
            Assert.Equal(0, busy.GetExecutionCount(w.PromptId)); // every waiting copy was deleted, none ran
        });
        Assert.Equal(1, busy.GetExecutionCount(job.Result.PromptId));
        Assert.Null(longJob.Error);
    }

    [Fact]
    public async Task Pool_BothServersBusyWithOtherClientsJobs_RunsOnceOnWhicheverFreesAndNeverFails()
    {
        var shorter = await _h.StartAsync(Blurs(TimeSpan.FromMilliseconds(250)));  // frees after about 1.5 s
        var longer = await _h.StartAsync(Blurs(TimeSpan.FromMilliseconds(600)));   // after about 3.6 s
        var (client1, job1) = await StartForeignLongJobAsync(shorter);
        await using var _ = client1;
        var (client2, job2) = await StartForeignLongJobAsync(longer);
        await using var __ = client2;
        await _h.AddAndWaitReadyAsync([shorter, longer]);

        var job = JobRecording.Start(_h.Pool.Run(
            JobHarness.Load("basic_empty_invert_save"),
            new PoolJobOptions { MaxAttempts = 1, Job = new JobOptions { StartTimeout = TimeSpan.FromMilliseconds(700) } }));
        await job.EndedAsync();
        await Task.WhenAll(job1.EndedAsync(), job2.EndedAsync()).WaitAsync(Bound);

        Assert.Null(job.Error);
        Assert.Equal(1, job.Result!.Pool!.Attempts);
        Assert.Equal(1, shorter.GetExecutionCount(job.Result.PromptId) + longer.GetExecutionCount(job.Result.PromptId));
        Assert.All(job.Updates.OfType<JobAttemptFailed>(), w =>
        {
            Assert.True(w.WillRetry);
            Assert.Equal(0, shorter.GetExecutionCount(w.PromptId) + longer.GetExecutionCount(w.PromptId));
        });
    }

    private static ComfyEmulatorOptions Blurs(TimeSpan each) => new()
    {
        SamplerStepTime = TimeSpan.FromMilliseconds(2),
        NodeDelays = new Dictionary<string, TimeSpan> { ["ImageBlur"] = each },
    };

    private static async Task<(ComfyClient Client, JobRecording Job)> StartForeignLongJobAsync(ComfyEmulator emulator)
    {
        var someoneElse = new ComfyClient(emulator.BaseAddress);
        var longJob = JobRecording.Start(someoneElse.Run(JobHarness.Load("slow_blur_chain")));
        await longJob.WaitForAsync<JobStarted>().WaitAsync(Bound);
        return (someoneElse, longJob);
    }
}
