using System.Reactive.Concurrency;
using ComfyUI.Reactive.Events;
using ComfyUI.Reactive.Jobs.Progress;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Jobs;

/// <summary>
/// The effects runner of one subscribed job: it feeds every input (events the <see cref="JobTracker"/> routes to its
/// prompt, reconciliation verdicts, HTTP answers, timer ticks — from any thread) through the pure
/// <see cref="JobMachine"/> one at a time, delivers the updates to its one observer and performs the commands (timers on
/// the client's scheduler, history reads, completion, server-side cancellation).
/// </summary>
/// <remarks>
/// Every input takes the job's lock, so the observer sees serialized notifications, and <see cref="_terminated"/>
/// guarantees exactly one terminal notification whichever source (socket, history, timer, disposal) gets there first.
/// </remarks>
internal sealed partial class TrackedJob : IDisposable
{
    private const int MaxEarlyEvents = 256;

    private readonly JobTracker _tracker;
    private JobContext _context;
    private readonly IObserver<JobUpdate> _observer;
    private readonly IScheduler _scheduler;
    private readonly object _gate = new();
    private readonly PreviewThinner? _previews;

    // Written under the gate; read from other threads field by field (each read is atomic: a reference, a bool, an int
    // or a DateTime), which is all the tracker asks for.
    private JobState _state;
    private bool _terminated;
    private int _terminatedFlag;
    private Dictionary<string, List<JobImage>>? _websocketImages;
    private IDisposable? _startTimer;
    private IDisposable? _inactivityTimer;
    private IDisposable? _overallTimer;
    private CancellationTokenSource? _preparation;
    private Task? _pipeline;
    private List<ComfyEvent>? _early;

    public TrackedJob(JobTracker tracker, Workflow workflow, JobOptions options, IObserver<JobUpdate> observer, JobState initial)
    {
        _tracker = tracker;
        _context = new JobContext(workflow, options, tracker.Api);
        _observer = observer;
        _scheduler = tracker.Scheduler;
        _state = initial;
        if (options.PreviewInterval is { } interval)
        {
            _previews = new PreviewThinner(interval, _scheduler, FlushPreview);
        }
    }

    /// <summary>The job's state, as plain data: a consistent snapshot, taken under the job's lock.</summary>
    public JobState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>The prompt's id on the server: the client-generated one, or the server's own if it ignored ours (set once,
    /// by <see cref="JobTracker.Rekey"/>, before the first update).</summary>
    public string PromptId => _state.PromptId;

    public void SetPromptId(string promptId)
    {
        lock (_gate)
        {
            _state = _state with { PromptId = promptId, Rekeyed = true };
        }
    }

    public JobOptions Options => _context.Options;

    public bool IsAccepted => _state.Accepted;

    public bool IsQueued => _state.Phase == JobPhase.Queued;

    public bool IsRunning => _state.Phase == JobPhase.Running;

    public bool IsFinishing => _state.Phase == JobPhase.Finishing;

    public bool IsTerminated => Volatile.Read(ref _terminatedFlag) != 0;

    public int MissingStrikes => _state.MissingStrikes;

    public long LastEventTicks => _state.LastEventAt.Ticks;

    public long LastReconcileTicks => _state.LastReconcileAt.Ticks;

    public bool MayBeOnServer => _state.Posted;

    public bool WasSeenRunning => _state.SeenRunning;

    /// <summary>The submission pipeline (prepare, upload, validate, POST); null before <see cref="Start"/> (tests await it).</summary>
    public Task? Pipeline => _pipeline;

    public bool ContainsNode(string nodeId) => _context.ContainsNode(nodeId);

    /// <summary>Starts the job: registered with the tracker first (subscribe before submit), then prepared and posted.</summary>
    public void Start()
    {
        _preparation = new CancellationTokenSource();
        if (Options.OverallTimeout is { } overall)
        {
            _overallTimer = _scheduler.Schedule(overall, () => Apply(new JobInput.OverallLimit(overall)));
        }

        _pipeline = RunPipelineAsync(_preparation.Token);
    }

    /// <summary>Disposal by the subscriber: no more notifications, and the server job is cancelled.</summary>
    public void Dispose() => Terminate(notify: null, cancelReason: "the subscription was disposed");

    private async Task RunPipelineAsync(CancellationToken cancellationToken)
    {
        try
        {
            var request = await _tracker.PrepareAsync(this, _context.Workflow, Options, cancellationToken).ConfigureAwait(false);
            if (Options.BeforeSubmit is { } beforeSubmit)
            {
                // The caller records the id before anything can reach the server (nothing is sent if this throws).
                await beforeSubmit(PromptId, cancellationToken).ConfigureAwait(false);
            }

            // Outside the job's lock: the progress history may be the user's own store.
            var plan = ProgressPlan.For(_context.Workflow, request.ExpectedNodes, _tracker.FindNodeCosts(_context.Workflow));
            lock (_gate)
            {
                if (_terminated)
                {
                    return;
                }

                _context.Expected = request.ExpectedNodes;
                _context.Plan = plan;
                Apply(new JobInput.Posting(request.ExpectedNodes.Count));
            }

            // Not cancellable on purpose: once the request may have left, cancelling it could leave a queued prompt that
            // nobody tracks. Disposal waits for the answer instead and then deletes or interrupts the prompt.
            _tracker.OnSubmitting();
            try
            {
                var response = await _tracker.Api.SubmitPromptAsync(request.Request, CancellationToken.None).ConfigureAwait(false);
                _tracker.LearnPromptIdAnswer(response.PromptId.Length == 0 || response.PromptId == PromptId);
                if (response.PromptId.Length > 0 && response.PromptId != PromptId)
                {
                    // An old server queued it under its own id; even a job disposed meanwhile needs it, to delete the prompt.
                    _tracker.Rekey(this, response.PromptId);
                }

                OnAccepted(response);
            }
            finally
            {
                _tracker.OnAnswered();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Disposed while preparing: nothing was sent.
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    private void OnAccepted(PromptResponse response)
    {
        lock (_gate)
        {
            if (_terminated)
            {
                return;
            }

            Apply(new JobInput.Accepted(response));

            // A fast server starts the prompt before its answer to the POST arrives; those events waited for it.
            if (_early is { } early)
            {
                _early = null;
                foreach (var e in early)
                {
                    Apply(new JobInput.Event(e));
                }
            }
        }

        _tracker.OnJobAccepted(this);
    }

    /// <summary>One input through the machine, then its effects: timers first (so a timer is on the scheduler before the
    /// update that starts it is delivered — an observer may move a virtual clock from its callback), then the updates,
    /// then the rest.</summary>
    private void Apply(JobInput input)
    {
        lock (_gate)
        {
            if (_terminated)
            {
                return;
            }

            var step = JobMachine.Step(_state, input, in _context, _scheduler.Now);
            _state = step.State;

            // Indexed, not foreach: these run for every frame of every job, and foreach over the interface boxes an
            // enumerator each time.
            var commands = step.Commands;
            for (var i = 0; i < commands.Count; i++)
            {
                RunTimerCommand(commands[i]);
            }

            var updates = step.Updates;
            for (var i = 0; i < updates.Count; i++)
            {
                Deliver(updates[i]);
            }

            for (var i = 0; i < commands.Count; i++)
            {
                RunCommand(commands[i]);
            }
        }
    }

    private void RunTimerCommand(JobCommand command)
    {
        switch (command)
        {
            case JobCommand.ArmStartTimer start:
                _startTimer = _scheduler.Schedule(start.Limit, () =>
                {
                    lock (_gate)
                    {
                        _startTimer = null;
                    }

                    Apply(new JobInput.StartLimit(start.Limit));
                });
                break;
            case JobCommand.CancelStartTimer:
                _startTimer?.Dispose();
                _startTimer = null;
                break;
            case JobCommand.ArmInactivity arm when arm.Recheck || _inactivityTimer is null:
                // One timer per job, re-armed for the remainder instead of rescheduled on every event.
                var limit = Options.InactivityTimeout!.Value;
                _inactivityTimer = _scheduler.Schedule(arm.Due, () => Apply(new JobInput.InactivityCheck(limit)));
                break;
        }
    }

    private void RunCommand(JobCommand command)
    {
        switch (command)
        {
            case JobCommand.KeepWebsocketImage keep:
                var images = _websocketImages ??= new Dictionary<string, List<JobImage>>(StringComparer.Ordinal);
                if (!images.TryGetValue(keep.Node, out var list))
                {
                    images[keep.Node] = list = [];
                }

                list.Add(new JobImage(keep.Preview.Image.ToArray(), keep.Preview.MimeType));
                break;
            case JobCommand.CompleteFromHistory:
                _tracker.CompleteFromHistoryLater(this);
                break;
            case JobCommand.CheckStartTimeout check:
                _tracker.CheckStartTimeout(this, check.Limit);
                break;
            case JobCommand.Complete complete:
                var result = JobResultAssembly.Assemble(_state, _context.Workflow, _context.Api, _websocketImages, complete.History, _scheduler.Now);
                var completed = new JobCompleted(_state.PromptId, result);
                _tracker.LearnNodeCosts(_context.Workflow, _state.Progress.MeasuredCosts);
                Terminate(o =>
                {
                    o.OnNext(completed);
                    o.OnCompleted();
                });
                break;
            case JobCommand.Fail fail:
                Terminate(o => o.OnError(fail.Error), fail.CancelReason);
                break;
        }
    }

    private void Deliver(JobUpdate update)
    {
        if (update is JobPreview preview && _previews is not null)
        {
            if (_previews.Admit(preview) is { } now)
            {
                _observer.OnNext(now);
            }

            return;
        }

        _observer.OnNext(update);
    }

    private void FlushPreview()
    {
        lock (_gate)
        {
            if (!_terminated && _previews!.TakeDue() is { } held)
            {
                _observer.OnNext(held);
            }
        }
    }

    /// <summary>The one place a job ends: exactly once, whoever calls first; null <paramref name="notify"/> = disposal.</summary>
    private void Terminate(Action<IObserver<JobUpdate>>? notify, string? cancelReason = null)
    {
        lock (_gate)
        {
            if (_terminated)
            {
                return;
            }

            _terminated = true;
            Interlocked.Exchange(ref _terminatedFlag, 1);
            _startTimer?.Dispose();
            _inactivityTimer?.Dispose();
            _overallTimer?.Dispose();
            _previews?.Dispose();
            _preparation?.Cancel();
            _tracker.Remove(this);

            // Registered before the observer hears of the end, so whoever reacts to it can await the server call.
            if (cancelReason is not null)
            {
                _tracker.CancelOnServer(this, _pipeline, cancelReason);
            }

            notify?.Invoke(_observer);
        }
    }
}
