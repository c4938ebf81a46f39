using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Reactive.Threading.Tasks;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Workflows;
using Microsoft.Reactive.Testing;

namespace ComfyUI.Reactive.Tests.Pooling;

/// <summary>A scheduler over the in-memory queue in virtual time, whose attempt seam records every start.</summary>
internal sealed class PoolSchedulerHarness : IDisposable
{
    /// <param name="options">The scheduler's options; null for the defaults.</param>
    /// <param name="timers">Wraps the virtual clock the scheduler sees (e.g. <see cref="SkewedTimerScheduler"/>); null: the clock itself.</param>
    public PoolSchedulerHarness(PoolSchedulerOptions? options = null, Func<TestScheduler, IScheduler>? timers = null)
    {
        Pool = new PoolScheduler(Queue, StartAttempt, timers?.Invoke(Clock) ?? Clock, options);
        Pool.Servers.Subscribe(Statuses.Add);
        Pool.AttemptFailures.Subscribe(Failures.Add);
    }

    /// <summary>Every attempt failure the scheduler reported, in order.</summary>
    public List<AttemptFailure> Failures { get; } = [];

    public TestScheduler Clock { get; } = new();

    public InMemoryPoolQueue Queue { get; } = new();

    public PoolScheduler Pool { get; }

    public List<Attempt> Starts { get; } = [];

    public List<ServerStatus> Statuses { get; } = [];

    /// <summary>How the next attempts behave; null: manual (complete them through <see cref="Attempt.Outcomes"/>).</summary>
    public Func<Attempt, IObservable<AttemptOutcome>>? Behaviour { get; set; }

    /// <summary>The outcome, which in virtual time must already be decided (the scheduler completes it synchronously).</summary>
    public static PoolItemOutcome Done(Task<PoolItemOutcome> outcome)
    {
        Assert.True(outcome.IsCompletedSuccessfully, "The item has no outcome yet.");
        return outcome.Result;
    }

    public static ServerCapabilities Caps(params string[] classTypes) =>
        new(new NodeSchemaCatalog(classTypes.ToDictionary(c => c, c => new NodeInfo { Name = c })));

    public static readonly string[] AllClasses = ["SaveImage", "RareNode", "CheckpointLoaderSimple"];

    public ServerId Add(string name, ServerCapabilities? caps = null, int? capacity = null, bool healthy = true)
    {
        var id = new ServerId(name);
        Pool.AddServer(id, caps ?? Caps(AllClasses), capacity);
        if (healthy)
        {
            Pool.SetHealth(id, ServerHealth.Healthy);
        }

        return id;
    }

    /// <summary>Every attempt succeeds after <paramref name="duration"/> of virtual time.</summary>
    public void SucceedAfter(TimeSpan duration) =>
        Behaviour = _ => Observable.Timer(duration, Clock).Select(_ => AttemptOutcome.Success);

    public Task<PoolItemOutcome> Submit(string id, int priority = 0, string hash = "h", int maxAttempts = 3, params string[] classes) =>
        Submit(new PoolWorkItem
        {
            Id = id,
            Priority = priority,
            MaxAttempts = maxAttempts,
            Requirements = new WorkflowRequirements { ClassTypes = classes.Length == 0 ? ["SaveImage"] : classes, Models = [] },
            WorkflowJson = "{}",
            WorkflowHash = hash,
        });

    /// <summary>Submits and returns the outcome as a task, which completes synchronously when the scheduler decides it.</summary>
    public Task<PoolItemOutcome> Submit(PoolWorkItem item) => Pool.Submit(item).ToTask();

    public List<string> StartedIds(ServerId? server = null) =>
        [.. Starts.Where(s => server is null || s.Server == server).Select(s => s.ItemId)];

    public Attempt Running(string itemId) => Starts.Last(s => s.ItemId == itemId);

    public void Dispose() => Pool.Dispose();

    private IObservable<AttemptOutcome> StartAttempt(PoolWorkItem item, ServerId server)
    {
        var attempt = new Attempt(item.Id, server, Clock.Clock, item.Attempts)
        {
            OverlapsPrevious = Starts.LastOrDefault(s => s.ItemId == item.Id) is { Disposed: false },
        };
        Starts.Add(attempt);
        var source = Behaviour?.Invoke(attempt) ?? attempt.Outcomes;
        return Observable.Create<AttemptOutcome>(observer =>
        {
            var subscription = source.Subscribe(observer);
            return Disposable.Create(() =>
            {
                attempt.Disposed = true;
                subscription.Dispose();
            });
        });
    }

    internal sealed class Attempt(string itemId, ServerId server, long ticks, int number)
    {
        public string ItemId { get; } = itemId;

        public ServerId Server { get; } = server;

        public long Ticks { get; } = ticks;

        public int Number { get; } = number;

        public Subject<AttemptOutcome> Outcomes { get; } = new();

        public bool Disposed { get; set; }

        /// <summary>Whether the item's previous attempt was still subscribed when this one started (never should be).</summary>
        public bool OverlapsPrevious { get; init; }

        public void Succeed() => Outcomes.OnNext(AttemptOutcome.Success);

        public void Fail(Exception error) => Outcomes.OnNext(AttemptOutcome.Failure(error));
    }
}
