using System.Reactive.Disposables;
using System.Reactive.Linq;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Workflows;
using Microsoft.Reactive.Testing;

namespace ComfyUI.Reactive.Tests.Pooling;

/// <summary>
/// <see cref="ComfyPool"/> in virtual time over fake servers whose jobs the test drives by hand: forwarding, the single
/// terminal notification under races, retries, cancellation.
/// </summary>
public sealed class ComfyPoolTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private static readonly Workflow Wf = Workflow.Parse("""{"1":{"class_type":"SaveImage","inputs":{}}}""");

    private readonly TestScheduler _clock = new();
    private readonly List<FakeAttempt> _attempts = [];
    private readonly ComfyPool _pool;

    public ComfyPoolTests()
    {
        _pool = new ComfyPool(new ComfyPoolOptions { Scheduler = _clock, CapabilityRefreshInterval = null });
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 never calls a test class's DisposeAsync (emulators and pools leaked).
    public Task DisposeAsync() => _pool.DisposeAsync().AsTask();

    [Fact]
    public async Task Run_AttemptSucceeds_UpdatesTaggedWithServerAndResultCarriesPoolTimings()
    {
        var a = Server("a");
        var job = Recorder.Start(_pool.Run(Wf));
        var attempt = Assert.Single(_attempts);
        _clock.AdvanceBy(TimeSpan.FromSeconds(3).Ticks);

        attempt.Emit(new JobStarted("p1", TimeSpan.Zero));
        attempt.Complete("p1");
        await job.EndedAsync();

        Assert.Equal(a, attempt.Server);
        Assert.Collection(
            job.Updates,
            u => Assert.Equal((typeof(JobStarted), (ServerId?)a), (u.GetType(), u.Server)),
            u => Assert.Equal((typeof(JobCompleted), (ServerId?)a), (u.GetType(), u.Server)));
        Assert.Equal(1, job.Terminals);
        Assert.Null(job.Error);
        Assert.Equal(new PoolTimings(a, 1, TimeSpan.Zero, TimeSpan.FromSeconds(3)), job.Result!.Pool);
        Assert.Equal("p1", job.Result.PromptId);
    }

    [Fact]
    public async Task Run_ServerDiesThenItsAttemptCompletesAfterTheRetrySucceeded_OneResultFromTheRetry()
    {
        var a = Server("a");
        var job = Recorder.Start(_pool.Run(Wf));
        var first = Assert.Single(_attempts);
        first.Emit(new JobStarted("p1", TimeSpan.Zero));
        var b = Server("b");

        _pool.SetHealth(a, ServerHealth.Dead);
        var second = _attempts[1];
        first.Emit(new JobProgress("p1", "1", 1, 2, 0.5));
        second.Complete("p2");
        first.Complete("p1");
        await job.EndedAsync();

        Assert.True(first.Disposed);
        Assert.Equal(b, second.Server);
        Assert.Equal(1, job.Terminals);
        Assert.Single(job.Updates.OfType<JobCompleted>());
        Assert.Equal("p2", job.Result!.PromptId);
        Assert.Equal(b, job.Result.Pool!.Server);
        Assert.Equal(2, job.Result.Pool.Attempts);
        Assert.DoesNotContain(job.Updates, u => u is JobProgress);
        Assert.Equal(a, first.Server);
    }

    [Fact]
    public async Task Run_AbandonedAttemptCompletesBeforeTheRetry_IgnoredAndRetryDelivers()
    {
        var a = Server("a");
        var job = Recorder.Start(_pool.Run(Wf));
        var first = Assert.Single(_attempts);
        Server("b");

        _pool.SetHealth(a, ServerHealth.Dead);
        first.Complete("p1");
        _attempts[1].Fail(new ComfyConnectionException("b closed"));
        _pool.SetHealth(a, ServerHealth.Healthy);
        _clock.AdvanceBy(TimeSpan.FromSeconds(1).Ticks); // both servers failed it: the retry delay
        _attempts[2].Complete("p3");
        await job.EndedAsync();

        Assert.Equal(1, job.Terminals);
        Assert.Equal("p3", job.Result!.PromptId);
        Assert.Equal(3, job.Result.Pool!.Attempts);
    }

    [Fact]
    public async Task Run_ServerFaults_RetriedOnOtherServersThenFailsWithTheLastError()
    {
        Server("a");
        Server("b");
        var job = Recorder.Start(_pool.Run(Wf, new PoolJobOptions { MaxAttempts = 2 }));

        _attempts[0].Fail(new ComfyConnectionException("first"));
        var last = new ComfyTimeoutException("start", TimeSpan.FromSeconds(1), "second");
        _attempts[1].Fail(last);
        await job.EndedAsync();

        Assert.Equal(2, _attempts.Count);
        Assert.NotEqual(_attempts[0].Server, _attempts[1].Server);
        Assert.Same(last, job.Error);
        Assert.Equal(1, job.Terminals);
    }

    [Fact]
    public async Task Run_ExecutionError_NotRetriedByDefault()
    {
        Server("a");
        Server("b");
        var job = Recorder.Start(_pool.Run(Wf));
        var error = new ComfyExecutionException("p1", "1", "SaveImage", "RuntimeError", "boom", []);

        _attempts[0].Fail(error);
        await job.EndedAsync();

        Assert.Single(_attempts);
        Assert.Same(error, job.Error);
    }

    [Fact]
    public async Task Run_ExecutionErrorWithRetryWorkflowFailures_RetriedElsewhere()
    {
        Server("a");
        Server("b");
        var job = Recorder.Start(_pool.Run(Wf, new PoolJobOptions { RetryWorkflowFailures = true }));

        _attempts[0].Fail(new ComfyExecutionException("p1", "1", "SaveImage", "RuntimeError", "boom", []));
        _attempts[1].Complete("p2");
        await job.EndedAsync();

        Assert.NotEqual(_attempts[0].Server, _attempts[1].Server);
        Assert.Equal("p2", job.Result!.PromptId);
    }

    [Fact]
    public async Task Run_NoServerHasTheNode_FailsAtOnceWithEachServersReason()
    {
        Server("a", "KSampler");
        Server("b", "KSampler");
        var job = Recorder.Start(_pool.Run(Wf));
        await job.EndedAsync();

        var error = Assert.IsType<ComfyNoCapableServerException>(job.Error);
        Assert.Equal(["a", "b"], error.Reasons.Keys.Select(k => k.Value).Order());
        Assert.All(error.Reasons.Values, r => Assert.Contains("SaveImage", r, StringComparison.Ordinal));
        Assert.Empty(_attempts);
    }

    [Fact]
    public async Task Run_Priorities_HigherRunsFirstOnAFullServer()
    {
        await using var pool = new ComfyPool(new ComfyPoolOptions { Scheduler = _clock, ServerCapacity = 1 });
        pool.AddTestServer(new ServerId("a"), Caps("SaveImage"), (w, o) => Run(new ServerId("a"), w, o));
        var busy = Recorder.Start(pool.Run(Wf));
        var low = Recorder.Start(pool.Run(Wf, new PoolJobOptions { Priority = 0 }));
        var high = Recorder.Start(pool.Run(Wf, new PoolJobOptions { Priority = 5 }));

        _attempts[0].Complete("busy");
        _attempts[1].Complete("second");
        _attempts[2].Complete("third");
        await Task.WhenAll(busy.EndedAsync(), low.EndedAsync(), high.EndedAsync());

        Assert.Equal("second", high.Result!.PromptId);
        Assert.Equal("third", low.Result!.PromptId);
    }

    [Fact]
    public async Task Subscription_DisposedWhileQueued_NeverStartsAndNothingIsDelivered()
    {
        await using var pool = new ComfyPool(new ComfyPoolOptions { Scheduler = _clock, ServerCapacity = 1 });
        pool.AddTestServer(new ServerId("a"), Caps("SaveImage"), (w, o) => Run(new ServerId("a"), w, o));
        var busy = Recorder.Start(pool.Run(Wf));
        var queued = Recorder.Start(pool.Run(Wf));

        queued.Subscription.Dispose();
        _attempts[0].Complete("busy");
        await busy.EndedAsync();

        Assert.Single(_attempts);
        Assert.Empty(queued.Updates);
        Assert.Equal(0, queued.Terminals);
    }

    [Fact]
    public void Subscription_DisposedWhileRunning_DisposesTheAttemptAndDeliversNothingMore()
    {
        Server("a");
        var job = Recorder.Start(_pool.Run(Wf));
        var attempt = Assert.Single(_attempts);
        attempt.Emit(new JobStarted("p1", TimeSpan.Zero));

        job.Subscription.Dispose();
        attempt.Emit(new JobProgress("p1", "1", 1, 2, 0.5));
        attempt.Complete("p1");

        Assert.True(attempt.Disposed);
        Assert.Single(job.Updates);
        Assert.Equal(0, job.Terminals);
    }

    [Fact]
    public async Task Subscription_DisposedFromInsideOnNext_NoDeadlockAndAttemptCancelled()
    {
        Server("a");
        var disposed = new SingleAssignmentDisposable();
        var seen = 0;
        disposed.Disposable = _pool.Run(Wf).Subscribe(_ =>
        {
            seen++;
            disposed.Dispose();
        });
        var attempt = Assert.Single(_attempts);

        await Task.Run(() => attempt.Emit(new JobStarted("p1", TimeSpan.Zero))).WaitAsync(Bound);
        attempt.Emit(new JobStarted("p1", TimeSpan.Zero));

        Assert.Equal(1, seen);
        Assert.True(attempt.Disposed);
    }

    [Fact]
    public async Task DisposeAsync_JobRunning_SubscriberGetsConnectionErrorAndAttemptIsCancelled()
    {
        Server("a");
        var job = Recorder.Start(_pool.Run(Wf));
        var attempt = Assert.Single(_attempts);

        await _pool.DisposeAsync();
        await job.EndedAsync();

        Assert.IsType<ComfyConnectionException>(job.Error);
        Assert.True(attempt.Disposed);
        Assert.Throws<ObjectDisposedException>(() => _pool.Run(Wf));
    }

    [Fact]
    public async Task Servers_ReportInFlightCounts()
    {
        var a = Server("a");
        var statuses = new List<ServerStatus>();
        using var subscription = _pool.Servers.Subscribe(statuses.Add);
        var job = Recorder.Start(_pool.Run(Wf));
        _attempts[0].Complete("p1");
        await job.EndedAsync();

        Assert.Contains(new ServerStatus(a, ServerState.Busy, 1, 2), statuses);
        Assert.Equal(new ServerStatus(a, ServerState.Ready, 0, 2), statuses[^1]);
    }

    [Fact]
    public async Task AddServer_AddressWithCredentials_IdIsHostAndPortOnly()
    {
        await using var client = new ComfyClient(new Uri("http://user:secret@127.0.0.1:9/?token=hidden"));
        await using var pool = new ComfyPool(new ComfyPoolOptions { Scheduler = _clock });

        var id = pool.AddServer(client);

        Assert.Equal("127.0.0.1:9", id.Value);
        Assert.Throws<ArgumentException>(() => pool.AddServer(client));
        Assert.Equal(new ServerId("named"), pool.AddServer(client, "named"));
    }

    [Fact]
    public async Task Run_AttemptSucceeds_MetricsRecordedOnThePoolMeter()
    {
        var server = Server("metrics-" + Guid.NewGuid().ToString("N"));
        var attempts = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ComfyPool.MeterName && instrument.Name == "comfyui.pool.attempts")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "server" && Equals(tag.Value, server.Value))
                {
                    Interlocked.Add(ref attempts, (int)value);
                }
            }
        });
        listener.Start();

        var job = Recorder.Start(_pool.Run(Wf));
        _attempts[0].Complete("p1");
        await job.EndedAsync();

        Assert.Equal(1, Volatile.Read(ref attempts));
    }

    [Fact]
    public void Options_OutOfRange_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ComfyPool(new ComfyPoolOptions { ServerCapacity = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ComfyPool(new ComfyPoolOptions { HealthCheckInterval = TimeSpan.FromSeconds(-1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ComfyPool(new ComfyPoolOptions { MaxAttempts = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => _pool.Run(Wf, new PoolJobOptions { MaxAttempts = 0 }));
        Assert.Throws<ArgumentException>(() => _pool.Run(Wf, new PoolJobOptions { Tags = [""] }));
    }

    private static ServerCapabilities Caps(params string[] classTypes) =>
        new(new NodeSchemaCatalog(classTypes.ToDictionary(c => c, c => new NodeInfo { Name = c })));

    private ServerId Server(string name, params string[] classTypes) =>
        _pool.AddTestServer(new ServerId(name), Caps(classTypes.Length == 0 ? ["SaveImage"] : classTypes), (w, o) => Run(new ServerId(name), w, o));

    private IObservable<JobUpdate> Run(ServerId server, Workflow workflow, JobOptions options) =>
        Observable.Create<JobUpdate>(observer =>
        {
            var attempt = new FakeAttempt(server, observer);
            _attempts.Add(attempt);

            // Like a job whose server died: disposing does not stop it from reporting later (the pool must ignore it).
            return Disposable.Create(() => attempt.Disposed = true);
        });

    private sealed class FakeAttempt(ServerId server, IObserver<JobUpdate> observer)
    {
        public ServerId Server { get; } = server;

        public bool Disposed { get; set; }

        public void Emit(JobUpdate update) => observer.OnNext(update);

        public void Complete(string promptId)
        {
            var timings = new JobTimings(DateTimeOffset.UnixEpoch, null, DateTimeOffset.UnixEpoch, new Dictionary<string, TimeSpan>());
            observer.OnNext(new JobCompleted(promptId, new JobResult(
                promptId, new Dictionary<string, JobOutput>(), new Dictionary<string, JobOutput>(), new Dictionary<string, NodeValidationError>(), timings)));
            observer.OnCompleted();
        }

        public void Fail(Exception error) => observer.OnError(error);
    }

    /// <summary>Everything one subscription saw.</summary>
    private sealed class Recorder
    {
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<JobUpdate> _updates = [];
        private int _terminals;

        public IDisposable Subscription { get; private set; } = Disposable.Empty;

        public Exception? Error { get; private set; }

        public int Terminals => Volatile.Read(ref _terminals);

        public IReadOnlyList<JobUpdate> Updates
        {
            get
            {
                lock (_updates)
                {
                    return [.. _updates];
                }
            }
        }

        public JobResult? Result => Updates.OfType<JobCompleted>().SingleOrDefault()?.Result;

        public static Recorder Start(IObservable<JobUpdate> job)
        {
            var recorder = new Recorder();
            recorder.Subscription = job.Subscribe(
                u =>
                {
                    lock (recorder._updates)
                    {
                        recorder._updates.Add(u);
                    }
                },
                e =>
                {
                    recorder.Error = e;
                    Interlocked.Increment(ref recorder._terminals);
                    recorder._ended.TrySetResult();
                },
                () =>
                {
                    Interlocked.Increment(ref recorder._terminals);
                    recorder._ended.TrySetResult();
                });
            return recorder;
        }

        public Task EndedAsync() => _ended.Task.WaitAsync(Bound);
    }
}
