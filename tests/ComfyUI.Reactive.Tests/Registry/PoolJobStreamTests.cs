using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Registry;

namespace ComfyUI.Reactive.Tests.Registry;

/// <summary><see cref="ComfyPool.Jobs"/>: every job's lifecycle with its id, progress sampled on the pool's clock.</summary>
public sealed class PoolJobStreamTests : IAsyncLifetime
{
    private static readonly TimeSpan Sample = TimeSpan.FromMilliseconds(250);
    private readonly RegistryHarness _h = new(new JobRegistryOptions { SampleInterval = Sample });
    private readonly List<JobEvent> _events = [];

    public PoolJobStreamTests() => _h.Pool.Jobs.Subscribe(e =>
    {
        lock (_events)
        {
            _events.Add(e);
        }
    });

    private IReadOnlyList<JobEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 never calls a test class's DisposeAsync (emulators and pools leaked).
    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    [Fact]
    public async Task Jobs_AJobThatFailsOverAndCompletes_EveryStepWithItsIdAndServer()
    {
        var a = _h.Server("a");
        var id = _h.Pool.Enqueue(RegistryHarness.Wf);
        _h.Attempts[0].Emit(new JobStarted("p1", TimeSpan.Zero));
        _h.Server("b");
        _h.Pool.SetHealth(a, ServerHealth.Dead);
        var second = _h.Attempts[1];
        second.Emit(new JobQueued("p2", 0, JobQueued.NoErrors));
        second.Emit(new JobStarted("p2", TimeSpan.Zero));
        second.Complete("p2");
        await _h.EndedAsync(id);

        var events = Events;
        Assert.All(events, e => Assert.Equal(id, e.Id));
        Assert.Equal(
            [JobEventKind.Queued, JobEventKind.Started, JobEventKind.AttemptFailed, JobEventKind.Started, JobEventKind.Completed],
            events.Select(e => e.Kind));
        Assert.Equal(new ServerId("a"), events[1].Server);
        Assert.Equal("p1", events[1].PromptId);
        Assert.Equal(new ServerId("a"), events[2].Server);
        Assert.True(Assert.IsType<JobAttemptFailed>(events[2].Update).WillRetry);
        Assert.NotNull(events[2].Error);
        Assert.Equal(new ServerId("b"), events[3].Server);
        Assert.Equal("p2", events[4].PromptId);
        Assert.Equal(1.0, events[4].Fraction);
        Assert.Equal(1, (await _h.Pool.GetAsync(id))!.FailedAttempts);
    }

    [Fact]
    public async Task Jobs_ProgressFasterThanTheSampleInterval_FirstAtOnceThenTheLatestPerInterval()
    {
        _h.Server("a");
        var id = _h.Pool.Enqueue(RegistryHarness.Wf);
        var attempt = _h.Attempts[0];
        attempt.Emit(new JobStarted("p1", TimeSpan.Zero));
        attempt.Emit(new JobProgress("p1", "1", 1, 10, 0.1));
        attempt.Emit(new JobProgress("p1", "1", 2, 10, 0.2));
        attempt.Emit(new JobProgress("p1", "1", 3, 10, 0.3));
        Assert.Equal([0.1], Progress());

        _h.Clock.AdvanceBy(Sample.Ticks - 1);
        Assert.Equal([0.1], Progress());
        _h.Clock.AdvanceBy(1);
        Assert.Equal([0.1, 0.3], Progress());

        // Nothing new in the next interval: the sampler goes quiet, and the next progress goes out at once.
        _h.Clock.AdvanceBy(Sample.Ticks);
        attempt.Emit(new JobProgress("p1", "1", 4, 10, 0.4));
        Assert.Equal([0.1, 0.3, 0.4], Progress());
        Assert.Equal(0.4, (await _h.Pool.GetAsync(id))!.Fraction);
    }

    [Fact]
    public void Jobs_ProgressPendingWhenTheJobEnds_DroppedAndTheTerminalEventIsLast()
    {
        _h.Server("a");
        _h.Pool.Enqueue(RegistryHarness.Wf);
        var attempt = _h.Attempts[0];
        attempt.Emit(new JobPreview("p1", "1", new byte[] { 1 }, "image/png"));
        attempt.Emit(new JobPreview("p1", "1", new byte[] { 2 }, "image/png"));
        attempt.Fail(new ComfyExecutionException("boom"));
        _h.Clock.AdvanceBy(Sample.Ticks * 4);

        // The pool reports the last attempt's failure (no retry for a workflow fault), then the job's end.
        Assert.Equal([JobEventKind.Queued, JobEventKind.Preview, JobEventKind.AttemptFailed, JobEventKind.Failed], Events.Select(e => e.Kind));
        Assert.False(Assert.IsType<JobAttemptFailed>(Events[2].Update).WillRetry);
        Assert.IsType<ComfyExecutionException>(Events[^1].Error);
    }

    [Fact]
    public async Task Jobs_Cancelled_LastEventIsCancelledAndTheStreamCompletesWithThePool()
    {
        _h.Server("a");
        var completed = false;
        using var subscription = _h.Pool.Jobs.Subscribe(_ => { }, () => completed = true);
        var id = _h.Pool.Enqueue(RegistryHarness.Wf);

        _h.Pool.Cancel(id);
        await _h.Pool.DisposeAsync();

        Assert.Equal([JobEventKind.Queued, JobEventKind.Cancelled], Events.Select(e => e.Kind));
        Assert.IsType<OperationCanceledException>(Events[^1].Error);
        Assert.True(completed);
    }

    private double[] Progress() => [.. Events.Where(e => e.Kind == JobEventKind.Progress).Select(e => e.Fraction)];
}
