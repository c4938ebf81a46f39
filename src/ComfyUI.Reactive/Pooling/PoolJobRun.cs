using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Pooling;

/// <summary>
/// One subscription to a <see cref="PoolJob"/>: the caller's observer behind a gate that lets through the updates of the
/// current attempt only, and exactly one terminal notification.
/// </summary>
/// <remarks>
/// Attempt updates are forwarded under the gate, so they never overlap; the terminal notification comes from the
/// scheduler's single outcome per item (<see cref="PoolScheduler"/>), never from an attempt directly, so an attempt that
/// completes after it was abandoned (its server declared dead, the job moved) can never deliver a second result. The gate
/// is a <see cref="Monitor"/>, re-entrant on purpose: an observer may dispose its subscription from inside
/// <c>OnNext</c>.
/// </remarks>
internal sealed class PoolJobRun(string id, Workflow workflow, PoolJobOptions options, IObserver<JobUpdate> observer)
{
    private readonly object _gate = new();
    private object? _attempt;
    private object? _latest;
    private string? _attemptPromptId;
    private bool _ended;

    public string Id { get; } = id;

    public Workflow Workflow { get; } = workflow;

    public PoolJobOptions Options { get; } = options;

    /// <summary>The caller's labels as <c>[key=value, ...]</c> (empty brackets when none), for log lines.</summary>
    public string LabelsText { get; } =
        "[" + string.Join(", ", (options.Labels ?? new Dictionary<string, string>()).Select(l => $"{l.Key}={l.Value}")) + "]";

    /// <summary>The prompt id of the latest attempt that got one, or null.</summary>
    public string? LastPromptId
    {
        get
        {
            lock (_gate)
            {
                return _attemptPromptId;
            }
        }
    }

    /// <summary>The prompt id of <paramref name="attempt"/> if it is the latest attempt and got one, else null.</summary>
    public string? PromptIdOf(object attempt)
    {
        lock (_gate)
        {
            return ReferenceEquals(_latest, attempt) ? _attemptPromptId : null;
        }
    }

    /// <summary>Makes <paramref name="attempt"/> the one whose updates reach the caller; false once the run ended.</summary>
    public bool BeginAttempt(object attempt)
    {
        lock (_gate)
        {
            if (_ended)
            {
                return false;
            }

            _attempt = attempt;
            _latest = attempt;
            _attemptPromptId = null;
            return true;
        }
    }

    /// <summary>Stops forwarding <paramref name="attempt"/>'s updates (it was abandoned or ended).</summary>
    public void EndAttempt(object attempt)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_attempt, attempt))
            {
                _attempt = null;
            }
        }
    }

    /// <summary>Forwards an update of <paramref name="attempt"/> if it is still the current one and the run goes on.</summary>
    public void Forward(object attempt, JobUpdate update)
    {
        lock (_gate)
        {
            if (!_ended && ReferenceEquals(_attempt, attempt))
            {
                _attemptPromptId = update.PromptId;
                observer.OnNext(update);
            }
        }
    }

    /// <summary>Delivers an update about the run as a whole (not of one attempt) unless it ended.</summary>
    public void Notify(JobUpdate update)
    {
        lock (_gate)
        {
            if (!_ended)
            {
                observer.OnNext(update);
            }
        }
    }

    /// <summary>The caller left: nothing more is delivered. False when the run had already ended.</summary>
    public bool Detach()
    {
        lock (_gate)
        {
            if (_ended)
            {
                return false;
            }

            _ended = true;
            _attempt = null;
            return true;
        }
    }

    /// <summary>Delivers the terminal notification, once: the result (with the pool's timings) or the error.</summary>
    public void Finish(JobCompleted? completed, Exception? error)
    {
        lock (_gate)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            _attempt = null;
            if (completed is not null)
            {
                observer.OnNext(completed);
                observer.OnCompleted();
            }
            else
            {
                observer.OnError(error!);
            }
        }
    }
}
