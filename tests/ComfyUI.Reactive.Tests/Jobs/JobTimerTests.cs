using ComfyUI.Reactive.Jobs;

namespace ComfyUI.Reactive.Tests.Jobs;

/// <summary>
/// The start and inactivity timers exist before the update that starts them is delivered, so a test that moves the
/// virtual clock from inside that update's callback still sees them fire at the right virtual time.
/// </summary>
public sealed class JobTimerTests : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan InCallback = TimeSpan.FromSeconds(10);

    private readonly JobTestServer _server = new();

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 never calls a test class's DisposeAsync (emulators and pools leaked).
    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task StartTimeout_ClockAdvancedInsideTheJobQueuedCallback_FiresAtAcceptancePlusTheLimit()
    {
        var client = _server.Client();
        DateTimeOffset acceptedAt = default;
        var options = JobTestServer.NoValidation(new JobOptions { StartTimeout = Limit, TrackQueuePosition = false });
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, options), onUpdate: u =>
        {
            if (u is JobQueued queued)
            {
                acceptedAt = _server.Scheduler.Now;
                _server.Queue = () => ([], [queued.PromptId]);
                _server.Scheduler.AdvanceBy(InCallback.Ticks);
            }
        });
        using var job = rec.Subscription;
        await rec.WaitFor<JobQueued>();

        _server.Scheduler.AdvanceTo((acceptedAt + Limit).UtcTicks - 1);
        await client.GetJobTracker().WhenCancellationsSentAsync().WaitAsync(JobTestServer.Wait);
        Assert.Equal(0, rec.Terminals);
        _server.Scheduler.AdvanceBy(1);
        await rec.Ended;

        Assert.Equal("start", Assert.IsType<ComfyTimeoutException>(rec.Error).Phase);
    }

    [Fact]
    public async Task InactivityTimeout_ClockAdvancedInsideTheJobStartedCallback_FiresAtTheLastEventPlusTheLimit()
    {
        var client = _server.Client();
        DateTimeOffset startedAt = default;
        var options = JobTestServer.NoValidation(new JobOptions { InactivityTimeout = Limit, TrackQueuePosition = false });
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, options), onUpdate: u =>
        {
            if (u is JobStarted)
            {
                startedAt = _server.Scheduler.Now;
                _server.Scheduler.AdvanceBy(InCallback.Ticks);
            }
        });
        using var job = rec.Subscription;
        var id = (await rec.WaitFor<JobQueued>()).PromptId;

        _server.Queue = () => ([id], []);
        _server.Start(id);
        _server.Scheduler.AdvanceTo((startedAt + Limit).UtcTicks - 1);
        Assert.Equal(0, rec.Terminals);
        _server.Scheduler.AdvanceBy(1);
        await rec.Ended;

        Assert.Equal("inactivity", Assert.IsType<ComfyTimeoutException>(rec.Error).Phase);
    }
}
