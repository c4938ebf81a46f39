using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Registry;
using ComfyUI.Reactive.Workflows;
using Microsoft.Reactive.Testing;

namespace ComfyUI.Reactive.Tests.Registry;

/// <summary>A pool in virtual time over fake servers whose attempts the test drives by hand, plus recorders of the
/// registry's streams.</summary>
internal sealed class RegistryHarness : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    public static readonly Workflow Wf = Workflow.Parse("""{"1":{"class_type":"SaveImage","inputs":{}}}""");

    private readonly List<FakeAttempt> _attempts = [];

    public RegistryHarness(JobRegistryOptions? registry = null)
    {
        Pool = new ComfyPool(new ComfyPoolOptions
        {
            Scheduler = Clock,
            CapabilityRefreshInterval = null,
            Registry = registry ?? new JobRegistryOptions(),
        });
    }

    public TestScheduler Clock { get; } = new();

    public ComfyPool Pool { get; }

    public IReadOnlyList<FakeAttempt> Attempts
    {
        get
        {
            lock (_attempts)
            {
                return [.. _attempts];
            }
        }
    }

    public ValueTask DisposeAsync() => Pool.DisposeAsync();

    public ServerId Server(string name) =>
        Pool.AddTestServer(
            new ServerId(name),
            new ServerCapabilities(new NodeSchemaCatalog(new Dictionary<string, NodeInfo> { ["SaveImage"] = new() { Name = "SaveImage" } })),
            (_, _) => Observable.Create<JobUpdate>(observer =>
            {
                var attempt = new FakeAttempt(new ServerId(name), observer);
                lock (_attempts)
                {
                    _attempts.Add(attempt);
                }

                return Disposable.Create(() => attempt.Disposed = true);
            }));

    public static JobResult Result(string promptId) =>
        new(promptId, new Dictionary<string, JobOutput>(), new Dictionary<string, JobOutput>(), new Dictionary<string, NodeValidationError>(),
            new JobTimings(DateTimeOffset.UnixEpoch, null, DateTimeOffset.UnixEpoch, new Dictionary<string, TimeSpan>()));

    /// <summary>Awaits the job's end through <see cref="ComfyPool.Observe"/> and returns the snapshot.</summary>
    public async Task<JobSnapshot> EndedAsync(JobId id)
    {
        try
        {
            await Pool.Observe(id).LastOrDefaultAsync().ToTask().WaitAsync(Bound);
        }
        catch (Exception ex) when (ex is not TimeoutException)
        {
            // Failed and cancelled jobs end with their error; the snapshot says which.
        }

        return (await Pool.GetAsync(id))!;
    }

    public sealed class FakeAttempt(ServerId server, IObserver<JobUpdate> observer)
    {
        public ServerId Server { get; } = server;

        public bool Disposed { get; set; }

        public void Emit(JobUpdate update) => observer.OnNext(update);

        public void Complete(string promptId)
        {
            observer.OnNext(new JobCompleted(promptId, Result(promptId)));
            observer.OnCompleted();
        }

        public void Fail(Exception error) => observer.OnError(error);
    }
}

/// <summary>Everything one observer saw.</summary>
internal sealed class UpdateRecorder : IObserver<JobUpdate>
{
    private readonly List<JobUpdate> _updates = [];
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

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

    public Exception? Error { get; private set; }

    public bool Completed { get; private set; }

    public Task EndedAsync() => _ended.Task.WaitAsync(RegistryHarness.Bound);

    public void OnNext(JobUpdate value)
    {
        lock (_updates)
        {
            _updates.Add(value);
        }
    }

    public void OnError(Exception error)
    {
        Error = error;
        _ended.TrySetResult();
    }

    public void OnCompleted()
    {
        Completed = true;
        _ended.TrySetResult();
    }
}
