using System.Reactive.Disposables;
using System.Reactive.Subjects;
using ComfyUI.Reactive.Diagnostics;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;

namespace ComfyUI.Reactive.Registry;

/// <summary>
/// One job of a <see cref="JobRegistry"/>: the one subscription to its cold job, the state a late observer is replayed,
/// its live observers, and its lifecycle events.
/// </summary>
/// <remarks>
/// One gate orders everything: an update is recorded and handed to the live observers under it, and a new observer is
/// replayed and attached under it, so an observer never misses or doubles an update. The gate is a <see cref="Monitor"/>
/// (re-entrant) because an observer may cancel the job from its callback. The cold job's subscription is never disposed
/// under the gate: the pool calls us under its own gate, and disposing takes that one.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Design", "CA1001", Justification = "Its subject ends with the job, and its source subscription ends with the job or its cancellation; nothing outlives the job.")]
internal sealed class RegisteredJob : IObserver<JobUpdate>
{
    private readonly object _gate = new();
    private readonly JobRegistry _registry;
    private readonly JobState _state = new();
    private readonly Subject<JobUpdate> _live = new();
    private readonly SingleAssignmentDisposable _source = new();
    private readonly EventSampler _progress;
    private readonly EventSampler _previews;
    private readonly JobTracing _tracing;
    private JobSnapshot _snapshot;
    private Exception? _error;

    public RegisteredJob(JobRegistry registry, JobId id, DateTimeOffset now, IReadOnlyDictionary<string, string> labels)
    {
        _registry = registry;
        Id = id;
        _snapshot = new JobSnapshot(id, JobStatus.Queued) { EnqueuedAt = now, Labels = labels };
        _tracing = new JobTracing(id);
        _progress = new EventSampler(registry.Scheduler, registry.Options.SampleInterval, _gate, registry.Publish);
        _previews = new EventSampler(registry.Scheduler, registry.Options.SampleInterval, _gate, registry.Publish);
    }

    public JobId Id { get; }

    /// <summary>Forgets the job after its retention time; set once it finished.</summary>
    public IDisposable? Eviction { get; set; }

    public JobSnapshot Snapshot
    {
        get
        {
            lock (_gate)
            {
                return _snapshot;
            }
        }
    }

    /// <summary>Announces the job and subscribes its cold job (which may end before this returns).</summary>
    public void Start(IObservable<JobUpdate> job)
    {
        lock (_gate)
        {
            _registry.Publish(new JobEvent(Id, JobEventKind.Queued, _snapshot.EnqueuedAt));
        }

        _source.Disposable = job.Subscribe(this);
    }

    /// <summary>Replays the job's latest state to <paramref name="observer"/>, then its live updates and its end.</summary>
    public IDisposable Subscribe(IObserver<JobUpdate> observer)
    {
        lock (_gate)
        {
            foreach (var update in _state.Updates)
            {
                observer.OnNext(update);
            }

            switch (_snapshot.Status)
            {
                case JobStatus.Completed:
                    observer.OnCompleted();
                    return Disposable.Empty;
                case JobStatus.Failed or JobStatus.Cancelled:
                    observer.OnError(_error!);
                    return Disposable.Empty;
                default:
                    return _live.Subscribe(observer);
            }
        }
    }

    /// <summary>Cancels the job (removed from the queue or cancelled on its server). False when it had finished.</summary>
    public bool Cancel(string reason)
    {
        lock (_gate)
        {
            if (_snapshot.IsFinished)
            {
                return false;
            }

            Finish(JobStatus.Cancelled, new OperationCanceledException(reason), JobEventKind.Cancelled);
        }

        _source.Dispose();
        return true;
    }

    public void OnNext(JobUpdate value)
    {
        lock (_gate)
        {
            if (_snapshot.IsFinished)
            {
                return;
            }

            _state.Apply(value);
            _tracing.OnUpdate(value);
            var now = _registry.Scheduler.Now;
            _snapshot = _snapshot with { LatestUpdate = value, Server = value.Server ?? _snapshot.Server, PromptId = NonEmpty(value.PromptId) ?? _snapshot.PromptId };
            switch (value)
            {
                case JobQueued:
                    _snapshot = _snapshot with { Status = JobStatus.Queued };
                    break;
                case JobStarted:
                    _snapshot = _snapshot with { Status = JobStatus.Running, StartedAt = now, Fraction = 0, LatestPreview = null };
                    _registry.Publish(Event(JobEventKind.Started, now, value));
                    break;
                case JobProgress progress:
                    _snapshot = _snapshot with { Status = JobStatus.Running, Fraction = progress.Fraction };
                    _progress.Offer(Event(JobEventKind.Progress, now, value));
                    break;
                case JobPreview preview:
                    _snapshot = _snapshot with { LatestPreview = preview };
                    _previews.Offer(Event(JobEventKind.Preview, now, value));
                    break;
                case JobAttemptFailed failed:
                    _snapshot = _snapshot with
                    {
                        Status = JobStatus.Queued, FailedAttempts = _snapshot.FailedAttempts + 1, Fraction = 0, LatestPreview = null,
                    };
                    _registry.Publish(Event(JobEventKind.AttemptFailed, now, value) with { Error = failed.Reason });
                    break;
                case JobCompleted completed:
                    _snapshot = _snapshot with { Result = completed.Result, Fraction = 1 };
                    break;
            }

            _live.OnNext(value);
        }
    }

    public void OnError(Exception error)
    {
        lock (_gate)
        {
            if (!_snapshot.IsFinished)
            {
                Finish(JobStatus.Failed, error, JobEventKind.Failed);
            }
        }
    }

    public void OnCompleted()
    {
        lock (_gate)
        {
            if (_snapshot.IsFinished)
            {
                return;
            }

            if (_snapshot.Result is null)
            {
                Finish(JobStatus.Failed, new ComfyException("The job ended without a result."), JobEventKind.Failed);
            }
            else
            {
                Finish(JobStatus.Completed, null, JobEventKind.Completed);
            }
        }
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private JobEvent Event(JobEventKind kind, DateTimeOffset now, JobUpdate? update) =>
        new(Id, kind, now) { Server = _snapshot.Server, PromptId = _snapshot.PromptId, Fraction = _snapshot.Fraction, Update = update };

    /// <summary>Ends the job once (caller holds the gate): snapshot, lifecycle event, observers, then the registry's books.</summary>
    private void Finish(JobStatus status, Exception? error, JobEventKind kind)
    {
        var now = _registry.Scheduler.Now;
        _error = error;
        _snapshot = _snapshot with { Status = status, Error = error, FinishedAt = now };
        _progress.Stop();
        _previews.Stop();
        _tracing.OnFinished(status, _snapshot.Result, error);
        _registry.Metrics?.Finished(status, now - _snapshot.EnqueuedAt);
        var completed = _state.Updates.OfType<JobCompleted>().LastOrDefault();
        _registry.Publish(Event(kind, now, completed) with { Error = error });
        if (error is null)
        {
            _live.OnCompleted();
        }
        else
        {
            _live.OnError(error);
        }

        _registry.OnFinished(this);
    }
}
