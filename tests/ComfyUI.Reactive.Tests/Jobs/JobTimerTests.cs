using System.Reactive;
using ComfyUI.Reactive.Jobs;

namespace ComfyUI.Reactive.Tests.Jobs;

/// <summary>
/// The start and inactivity timers exist before the update that starts them is delivered, so a test that moves the
/// virtual clock from inside that update's callback still sees them fire at the right virtual time.
/// </summary>
public sealed class JobTimerTests : IAsyncDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan InCallback = TimeSpan.FromSeconds(10);

    private readonly JobTestServer _server = new();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task StartTimeout_ClockAdvancedInsideTheJobQueuedCallback_FiresAtAcceptancePlusTheLimit()
    {
        var client = _server.Client();
        var rec = new Recording();
        DateTimeOffset acceptedAt = default;
        var options = JobTestServer.NoValidation(new JobOptions { StartTimeout = Limit, TrackQueuePosition = false });
        using var job = client.Run(JobTestServer.Basic, options).Subscribe(Observer.Create<JobUpdate>(
            u =>
            {
                rec.Add(u);
                if (u is JobQueued queued)
                {
                    acceptedAt = _server.Scheduler.Now;
                    _server.Queue = () => ([], [queued.PromptId]);
                    _server.Scheduler.AdvanceBy(InCallback.Ticks);
                }
            },
            rec.Fail,
            () => rec.Fail(new InvalidOperationException("completed"))));
        await rec.Queued.Task.WaitAsync(JobTestServer.Wait);

        _server.Scheduler.AdvanceTo((acceptedAt + Limit).UtcTicks - 1);
        await client.GetJobTracker().WhenCancellationsSentAsync().WaitAsync(JobTestServer.Wait);
        Assert.False(rec.Error.Task.IsCompleted);
        _server.Scheduler.AdvanceBy(1);
        var error = await rec.Error.Task.WaitAsync(JobTestServer.Wait);

        Assert.Equal("start", Assert.IsType<ComfyTimeoutException>(error).Phase);
    }

    [Fact]
    public async Task InactivityTimeout_ClockAdvancedInsideTheJobStartedCallback_FiresAtTheLastEventPlusTheLimit()
    {
        var client = _server.Client();
        var rec = new Recording();
        DateTimeOffset startedAt = default;
        var options = JobTestServer.NoValidation(new JobOptions { InactivityTimeout = Limit, TrackQueuePosition = false });
        using var job = client.Run(JobTestServer.Basic, options).Subscribe(Observer.Create<JobUpdate>(
            u =>
            {
                rec.Add(u);
                if (u is JobStarted)
                {
                    startedAt = _server.Scheduler.Now;
                    _server.Scheduler.AdvanceBy(InCallback.Ticks);
                }
            },
            rec.Fail,
            () => rec.Fail(new InvalidOperationException("completed"))));
        var id = (await rec.Queued.Task.WaitAsync(JobTestServer.Wait)).PromptId;

        _server.Queue = () => ([id], []);
        _server.Start(id);
        _server.Scheduler.AdvanceTo((startedAt + Limit).UtcTicks - 1);
        Assert.False(rec.Error.Task.IsCompleted);
        _server.Scheduler.AdvanceBy(1);
        var error = await rec.Error.Task.WaitAsync(JobTestServer.Wait);

        Assert.Equal("inactivity", Assert.IsType<ComfyTimeoutException>(error).Phase);
    }

    /// <summary>A minimal recorder whose callbacks the tests write themselves.</summary>
    private sealed class Recording
    {
        public List<JobUpdate> Updates { get; } = [];

        public TaskCompletionSource<Exception> Error { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<JobQueued> Queued { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Fail(Exception error) => Error.TrySetResult(error);

        public void Add(JobUpdate update)
        {
            Updates.Add(update);
            if (update is JobQueued queued)
            {
                Queued.TrySetResult(queued);
            }
        }
    }
}
