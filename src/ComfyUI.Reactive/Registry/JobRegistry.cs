using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Diagnostics.Metrics;
using ComfyUI.Reactive.Diagnostics;
using ComfyUI.Reactive.Jobs;

namespace ComfyUI.Reactive.Registry;

/// <summary>
/// Jobs by id on top of cold jobs: <see cref="Enqueue"/> subscribes a cold job once and keeps it under an id, so that
/// callers can observe it later (replayed, then live), cancel it and read its status; finished jobs are kept for a
/// bounded time and count. One per <see cref="Pooling.ComfyPool"/> and per <see cref="ComfyClient"/>.
/// </summary>
internal sealed class JobRegistry : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, RegisteredJob> _jobs = new(StringComparer.Ordinal);   // by JobId.Value: see SharedGenericCodeTests
    private readonly LinkedList<RegisteredJob> _finished = new();
    private readonly Subject<JobEvent> _events = new();
    private readonly Lock _eventsGate = new();
    private int _running;
    private TaskCompletionSource? _idle;
    private bool _disposed;

    public JobRegistry(IScheduler scheduler, JobRegistryOptions options, Meter? meter = null)
    {
        options.Validate();
        Scheduler = scheduler;
        Options = options;
        Metrics = meter is null ? null : new JobMetrics(meter);
    }

    /// <summary>The job instruments on the owner's meter, or null.</summary>
    public JobMetrics? Metrics { get; }

    public IScheduler Scheduler { get; }

    public JobRegistryOptions Options { get; }

    /// <summary>Every job's lifecycle, hot; completes on disposal.</summary>
    public IObservable<JobEvent> Events => _events.AsObservable();

    /// <summary>How many jobs have not finished.</summary>
    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _running;
            }
        }
    }

    /// <summary>Subscribes <paramref name="job"/> once and keeps it under a new id.</summary>
    public JobId Enqueue(IObservable<JobUpdate> job, IReadOnlyDictionary<string, string>? labels)
    {
        var entry = new RegisteredJob(this, JobId.New(), Scheduler.Now, labels ?? new Dictionary<string, string>(StringComparer.Ordinal));
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _jobs.Add(entry.Id.Value, entry);
            _running++;
        }

        Metrics?.Enqueued();

        // Registered before it starts: a job that fails at once (no capable server) is still found by its id.
        entry.Start(job);
        return entry.Id;
    }

    /// <summary>The job's updates: its latest state replayed, then live, then its end.</summary>
    /// <exception cref="KeyNotFoundException">No such job (never enqueued here, or forgotten after its retention).</exception>
    public IObservable<JobUpdate> Observe(JobId id)
    {
        var entry = Find(id) ?? throw new KeyNotFoundException($"No job '{id}' (never enqueued here, or finished longer ago than it is kept).");
        return Observable.Create<JobUpdate>(entry.Subscribe);
    }

    public bool Cancel(JobId id) => Find(id)?.Cancel("The job was cancelled.") ?? false;

    public JobSnapshot? Get(JobId id) => Find(id)?.Snapshot;

    /// <summary>Every job kept, unfinished and finished, in no particular order.</summary>
    public IReadOnlyList<JobSnapshot> List()
    {
        RegisteredJob[] entries;
        lock (_lock)
        {
            entries = [.. _jobs.Values];
        }

        return [.. entries.Select(e => e.Snapshot)];
    }

    /// <summary>Completes once no job is unfinished (a host draining at shutdown).</summary>
    public Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_running == 0)
            {
                return Task.CompletedTask;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Cancels every unfinished job (reason given to their observers) and completes <see cref="Events"/>.</summary>
    public void CancelAll(string reason)
    {
        RegisteredJob[] entries;
        lock (_lock)
        {
            entries = [.. _jobs.Values];
        }

        foreach (var entry in entries)
        {
            entry.Cancel(reason);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        CancelAll("The owner of the job was disposed.");
        lock (_eventsGate)
        {
            _events.OnCompleted();
        }

        lock (_lock)
        {
            foreach (var entry in _finished)
            {
                entry.Eviction?.Dispose();
            }

            _finished.Clear();
            _jobs.Clear();
        }
    }

    /// <summary>Hands a lifecycle event to the stream's observers, one at a time across jobs.</summary>
    internal void Publish(JobEvent e)
    {
        lock (_eventsGate)
        {
            _events.OnNext(e);
        }
    }

    /// <summary>Books a finished job: forgotten after <see cref="JobRegistryOptions.RetainFor"/>, or sooner when more than
    /// <see cref="JobRegistryOptions.MaxRetained"/> finished jobs are kept (oldest first).</summary>
    internal void OnFinished(RegisteredJob entry)
    {
        List<RegisteredJob> dropped = [];
        lock (_lock)
        {
            if (--_running == 0 && _idle is { } idle)
            {
                _idle = null;
                idle.TrySetResult();
            }

            if (_disposed || !_jobs.ContainsKey(entry.Id.Value))
            {
                return;
            }

            var node = _finished.AddLast(entry);
            while (_finished.Count > Options.MaxRetained && _finished.First is { } oldest)
            {
                _finished.RemoveFirst();
                _jobs.Remove(oldest.Value.Id.Value);
                dropped.Add(oldest.Value);
            }

            if (node.List is not null)
            {
                entry.Eviction = Scheduler.Schedule(Options.RetainFor, () => Evict(node));
            }
        }

        foreach (var d in dropped)
        {
            d.Eviction?.Dispose();
        }
    }

    private void Evict(LinkedListNode<RegisteredJob> node)
    {
        lock (_lock)
        {
            if (node.List is not null)
            {
                _finished.Remove(node);
                _jobs.Remove(node.Value.Id.Value);
            }
        }
    }

    private RegisteredJob? Find(JobId id)
    {
        lock (_lock)
        {
            return id.Value is { } key ? _jobs.GetValueOrDefault(key) : null;
        }
    }
}
