using ComfyUI.Reactive.Jobs;

namespace ComfyUI.Reactive.Tests.Jobs;

/// <summary>The one update recorder of the job tests: every update, the terminal notification(s), and waits with a
/// deadline (<see cref="JobTestServer.Wait"/>) instead of spinning.</summary>
internal sealed class Recorder
{
    private readonly List<JobUpdate> _updates = [];
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(Func<JobUpdate, bool> Match, TaskCompletionSource<JobUpdate> Done)> _waiters = [];
    private int _terminals;

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

    public int Terminals => Volatile.Read(ref _terminals);

    public Task Ended => _ended.Task.WaitAsync(JobTestServer.Wait);

    public IDisposable Subscription { get; private set; } = null!;

    /// <summary>When the job ended, on the clock given to <see cref="Start"/> (null without one, or before the end).</summary>
    public DateTimeOffset? EndedAt { get; private set; }

    private Func<DateTimeOffset>? Clock { get; init; }

    private Action<JobUpdate>? OnUpdate { get; init; }

    /// <summary>Subscribes to <paramref name="job"/> and records what it delivers.</summary>
    /// <param name="job">The job.</param>
    /// <param name="clock">Stamps the end (e.g. a TestScheduler's <c>Now</c>), or null.</param>
    /// <param name="onUpdate">Runs inside each <c>OnNext</c>, after the update is recorded (e.g. to move a virtual clock
    /// from the callback), or null.</param>
    public static Recorder Start(IObservable<JobUpdate> job, Func<DateTimeOffset>? clock = null, Action<JobUpdate>? onUpdate = null)
    {
        var r = new Recorder { Clock = clock, OnUpdate = onUpdate };
        r.Subscription = job.Subscribe(u => { r.Add(u); r.OnUpdate?.Invoke(u); }, e => { r.Error = e; r.End(); }, r.End);
        return r;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, failing after <see cref="JobTestServer.Wait"/> (never an
    /// unbounded spin).</summary>
    public static async Task UntilAsync(Func<bool> condition, string what = "the condition")
    {
        var deadline = DateTime.UtcNow + JobTestServer.Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what} was not met in time");
            await Task.Yield();
        }
    }

    public async Task<T> WaitFor<T>(Func<T, bool>? predicate = null)
        where T : JobUpdate
    {
        bool Match(JobUpdate u) => u is T t && predicate?.Invoke(t) != false;
        var done = new TaskCompletionSource<JobUpdate>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_updates)
        {
            if (_updates.FirstOrDefault(Match) is { } found)
            {
                return (T)found;
            }

            _waiters.Add((Match, done));
        }

        if (await Task.WhenAny(done.Task, _ended.Task).WaitAsync(JobTestServer.Wait) != done.Task)
        {
            throw new InvalidOperationException($"Ended before {typeof(T).Name}: {Error}");
        }

        return (T)await done.Task;
    }

    private void Add(JobUpdate update)
    {
        lock (_updates)
        {
            _updates.Add(update);
            foreach (var w in _waiters.Where(w => w.Match(update)).ToList())
            {
                w.Done.TrySetResult(update);
                _waiters.Remove(w);
            }
        }
    }

    private void End()
    {
        EndedAt ??= Clock?.Invoke();
        Interlocked.Increment(ref _terminals);
        _ended.TrySetResult();
    }
}
