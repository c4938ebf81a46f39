using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Registry;

namespace ComfyUI.Reactive.Tests.Registry;

/// <summary>Jobs by id on a <see cref="ComfyPool"/>: late observers, cancellation, status, retention in virtual time.</summary>
public sealed class PoolRegistryTests : IAsyncLifetime
{
    private readonly RegistryHarness _h = new(new JobRegistryOptions { RetainFor = TimeSpan.FromMinutes(5), MaxRetained = 2 });

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 never calls a test class's DisposeAsync (emulators and pools leaked).
    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    [Fact]
    public async Task Observe_LateSubscriber_GetsLatestStateThenLiveUpdatesThenTheEnd()
    {
        _h.Server("a");
        var id = _h.Pool.Enqueue(RegistryHarness.Wf);
        var attempt = Assert.Single(_h.Attempts);
        attempt.Emit(new JobQueued("p1", 2, JobQueued.NoErrors));
        attempt.Emit(new JobQueued("p1", 0, JobQueued.NoErrors));
        attempt.Emit(new JobStarted("p1", TimeSpan.Zero));
        attempt.Emit(new JobProgress("p1", "1", 1, 4, 0.25));
        attempt.Emit(new JobProgress("p1", "1", 2, 4, 0.5));

        var late = new UpdateRecorder();
        using var subscription = _h.Pool.Observe(id).Subscribe(late);
        attempt.Emit(new JobProgress("p1", "1", 3, 4, 0.75));
        attempt.Complete("p1");
        await late.EndedAsync();

        Assert.Collection(
            late.Updates,
            u => Assert.Equal(0, Assert.IsType<JobQueued>(u).Position),
            u => Assert.IsType<JobStarted>(u),
            u => Assert.Equal(0.5, Assert.IsType<JobProgress>(u).Fraction),
            u => Assert.Equal(0.75, Assert.IsType<JobProgress>(u).Fraction),
            u => Assert.Equal(new ServerId("a"), Assert.IsType<JobCompleted>(u).Result.Pool!.Server));
        Assert.True(late.Completed);
        Assert.All(late.Updates, u => Assert.Equal(new ServerId("a"), u.Server));
    }

    [Fact]
    public async Task Observe_FinishedJob_ReplaysResultAndCompletesAtOnce()
    {
        _h.Server("a");
        var id = _h.Pool.Enqueue(RegistryHarness.Wf);
        _h.Attempts[0].Emit(new JobStarted("p1", TimeSpan.Zero));
        _h.Attempts[0].Complete("p1");
        var snapshot = await _h.EndedAsync(id);

        var result = await _h.Pool.Observe(id).ToTask().WaitAsync(RegistryHarness.Bound);

        Assert.Equal("p1", Assert.IsType<JobCompleted>(result).PromptId);
        Assert.Equal(JobStatus.Completed, snapshot.Status);
        Assert.Equal("p1", snapshot.Result!.PromptId);
        Assert.Equal(1.0, snapshot.Fraction);
        Assert.Equal(new ServerId("a"), snapshot.Server);
        Assert.True(snapshot.IsFinished);
        Assert.False(_h.Pool.Cancel(id));
    }

    [Fact]
    public async Task Cancel_RunningJob_CancelsTheAttemptAndObserversGetOperationCanceled()
    {
        _h.Server("a");
        var id = _h.Pool.Enqueue(RegistryHarness.Wf);
        var attempt = _h.Attempts[0];
        attempt.Emit(new JobStarted("p1", TimeSpan.Zero));
        var observer = new UpdateRecorder();
        using var subscription = _h.Pool.Observe(id).Subscribe(observer);

        Assert.True(_h.Pool.Cancel(id));
        await observer.EndedAsync();

        Assert.IsType<OperationCanceledException>(observer.Error);
        Assert.True(attempt.Disposed);
        var snapshot = await _h.Pool.GetAsync(id);
        Assert.Equal(JobStatus.Cancelled, snapshot!.Status);
        Assert.False(_h.Pool.Cancel(id));
        attempt.Complete("p1");
        Assert.Equal(JobStatus.Cancelled, (await _h.Pool.GetAsync(id))!.Status);
    }

    [Fact]
    public async Task Dispose_ObserverOfALateJob_StopsWatchingButTheJobGoesOn()
    {
        _h.Server("a");
        var id = _h.Pool.Enqueue(RegistryHarness.Wf);
        var observer = new UpdateRecorder();
        _h.Pool.Observe(id).Subscribe(observer).Dispose();

        _h.Attempts[0].Emit(new JobStarted("p1", TimeSpan.Zero));
        _h.Attempts[0].Complete("p1");
        var snapshot = await _h.EndedAsync(id);

        Assert.Empty(observer.Updates);
        Assert.Equal(JobStatus.Completed, snapshot.Status);
    }

    [Fact]
    public async Task GetAsync_FailedJob_CarriesTheTypedError()
    {
        _h.Server("a");
        var id = _h.Pool.Enqueue(RegistryHarness.Wf);
        var error = new ComfyExecutionException("boom");
        _h.Attempts[0].Fail(error);

        var snapshot = await _h.EndedAsync(id);

        Assert.Equal(JobStatus.Failed, snapshot.Status);
        Assert.Same(error, snapshot.Error);
        var ex = await Assert.ThrowsAsync<ComfyExecutionException>(() => _h.Pool.Observe(id).ToTask().WaitAsync(RegistryHarness.Bound));
        Assert.Same(error, ex);
    }

    [Fact]
    public async Task Retention_FinishedJob_ForgottenExactlyAfterRetainForOnThePoolClock()
    {
        _h.Server("a");
        var id = _h.Pool.Enqueue(RegistryHarness.Wf);
        _h.Attempts[0].Complete("p1");
        await _h.EndedAsync(id);

        _h.Clock.AdvanceBy(TimeSpan.FromMinutes(5).Ticks - 1);
        Assert.NotNull(await _h.Pool.GetAsync(id));
        _h.Clock.AdvanceBy(1);

        Assert.Null(await _h.Pool.GetAsync(id));
        Assert.Throws<KeyNotFoundException>(() => _h.Pool.Observe(id));
        Assert.False(_h.Pool.Cancel(id));
    }

    [Fact]
    public async Task Retention_MoreFinishedThanMaxRetained_OldestFinishedForgottenFirstAndRunningJobsKept()
    {
        _h.Server("a");
        var running = _h.Pool.Enqueue(RegistryHarness.Wf);
        var finished = new List<JobId>();
        for (var i = 0; i < 3; i++)
        {
            // Capacity 2: the second attempt slot is the one each finished job frees.
            var id = _h.Pool.Enqueue(RegistryHarness.Wf);
            _h.Attempts[^1].Complete($"p{i}");
            await _h.EndedAsync(id);
            finished.Add(id);
        }

        Assert.Null(await _h.Pool.GetAsync(finished[0]));
        Assert.NotNull(await _h.Pool.GetAsync(finished[1]));
        Assert.NotNull(await _h.Pool.GetAsync(finished[2]));
        Assert.Equal(JobStatus.Queued, (await _h.Pool.GetAsync(running))!.Status);
        Assert.Equal(3, (await _h.Pool.GetJobsAsync()).Count);
    }

    [Fact]
    public async Task Enqueue_NoCapableServer_JobFailsAndIsStillFoundById()
    {
        var id = _h.Pool.Enqueue(RegistryHarness.Wf);

        var snapshot = await _h.EndedAsync(id);

        Assert.Equal(JobStatus.Failed, snapshot.Status);
        Assert.IsType<ComfyNoCapableServerException>(snapshot.Error);
    }

    [Fact]
    public async Task DisposeAsync_UnfinishedJobs_EndCancelled()
    {
        _h.Server("a");
        var id = _h.Pool.Enqueue(RegistryHarness.Wf);
        var observer = new UpdateRecorder();
        using var subscription = _h.Pool.Observe(id).Subscribe(observer);

        await _h.Pool.DisposeAsync();
        await observer.EndedAsync();

        Assert.IsType<OperationCanceledException>(observer.Error);
        Assert.True(_h.Attempts[0].Disposed);
    }
}
