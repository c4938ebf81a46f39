using System.Reactive.Concurrency;
using System.Text.Json;
using ComfyUI.Reactive.Events;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Jobs;

/// <summary>
/// The state machine of one subscribed job: it receives the events the <see cref="JobTracker"/> routes to its prompt,
/// reconciliation verdicts and timer callbacks (from any thread), and turns them into updates for its one observer.
/// </summary>
/// <remarks>
/// Every input takes the job's lock, so the observer sees serialized notifications, and <see cref="_terminated"/>
/// guarantees exactly one terminal notification whichever source (socket, history, timer, disposal) gets there first.
/// Per-node collections are allocated only when a node needs them, to keep an idle tracked job small.
/// </remarks>
internal sealed class TrackedJob : IDisposable
{
    private const string SaveImageWebsocket = "SaveImageWebsocket";
    private const int MaxEarlyEvents = 256;

    private readonly JobTracker _tracker;
    private readonly Workflow _workflow;
    private readonly JobOptions _options;
    private readonly IObserver<JobUpdate> _observer;
    private readonly IScheduler _scheduler;
    private readonly object _gate = new();

    private JobPhase _phase = JobPhase.Preparing;
    private bool _terminated;
    private bool _rekeyed;
    private bool _successSeenWithEveryFrame;
    private volatile bool _posted;
    private int _acceptedFlag;
    private int _terminatedFlag;
    private HashSet<string>? _expected;
    private int _expectedCount;
    private DateTimeOffset _submittedAt;
    private DateTimeOffset? _startedAt;
    private long _lastEventTicks;
    private long _lastReconcileTicks;
    private int _missingStrikes;
    private int _framesMissed;
    private int? _position;
    private IReadOnlyDictionary<string, NodeValidationError> _nodeErrors = JobQueued.NoErrors;
    private string? _currentNode;
    private long _currentNodeStartTicks;
    private double _currentValue;
    private double _currentMax;
    private double _fraction;
    private double _emittedFraction;
    private HashSet<string>? _done;
    private Dictionary<string, double>? _runningShare;
    private Dictionary<string, NodeOutput?>? _outputs;
    private Dictionary<string, List<JobImage>>? _websocketImages;
    private Dictionary<string, TimeSpan>? _nodeTimes;
    private IDisposable? _startTimer;
    private IDisposable? _inactivityTimer;
    private IDisposable? _overallTimer;
    private IDisposable? _previewTimer;
    private JobPreview? _heldPreview;
    private long _lastPreviewTicks = long.MinValue;
    private CancellationTokenSource? _preparation;
    private Task? _pipeline;
    private List<ComfyEvent>? _early;
    private volatile string _promptId;

    public TrackedJob(JobTracker tracker, Workflow workflow, JobOptions options, IObserver<JobUpdate> observer)
    {
        _tracker = tracker;
        _workflow = workflow;
        _options = options;
        _observer = observer;
        _scheduler = tracker.Scheduler;
        _promptId = Guid.NewGuid().ToString();
    }

    private enum JobPhase
    {
        Preparing,
        Queued,
        Running,
        Finishing,
    }

    /// <summary>The prompt's id on the server: the client-generated one, or the server's own if it ignored ours (set once,
    /// by <see cref="JobTracker.Rekey"/>, before the first update).</summary>
    public string PromptId => _promptId;

    public void SetPromptId(string promptId)
    {
        _promptId = promptId;
        _rekeyed = true;
    }

    public JobOptions Options => _options;

    /// <summary>The prompt was accepted by the server (its POST answered 200), so the server is the truth about it.</summary>
    public bool IsAccepted => Volatile.Read(ref _acceptedFlag) != 0;

    public bool IsQueued => _phase == JobPhase.Queued;

    public bool IsRunning => _phase == JobPhase.Running;

    /// <summary>The server said the prompt finished; only its outputs are still being read from the history.</summary>
    public bool IsFinishing => _phase == JobPhase.Finishing;

    public bool IsTerminated => Volatile.Read(ref _terminatedFlag) != 0;

    public int MissingStrikes => Volatile.Read(ref _missingStrikes);

    public long LastEventTicks => Volatile.Read(ref _lastEventTicks);

    public long LastReconcileTicks => Volatile.Read(ref _lastReconcileTicks);

    /// <summary>Whether a node id (or the submitted node an expansion id like <c>5.0.1</c> came from) is in this job's graph.</summary>
    public bool ContainsNode(string nodeId)
    {
        if (_workflow.ContainsNode(nodeId))
        {
            return true;
        }

        var dot = nodeId.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && _workflow.ContainsNode(nodeId[..dot]);
    }

    /// <summary>Starts the job: registered with the tracker first (subscribe before submit), then prepared and posted.</summary>
    public void Start()
    {
        _preparation = new CancellationTokenSource();
        if (_options.OverallTimeout is { } overall)
        {
            _overallTimer = _scheduler.Schedule(overall, () => TimeOut("overall", overall));
        }

        _pipeline = RunPipelineAsync(_preparation.Token);
    }

    /// <summary>Disposal by the subscriber: no more notifications, and the server job is cancelled.</summary>
    public void Dispose()
    {
        Terminate(notify: null, cancelReason: "the subscription was disposed");
    }

    /// <summary>Whether the POST was (or may have been) sent, so the server may know the prompt.</summary>
    public bool MayBeOnServer => _posted;

    /// <summary>The submission pipeline (prepare, upload, validate, POST); null before <see cref="Start"/> (tests await it).</summary>
    public Task? Pipeline => _pipeline;

    /// <summary>Whether the job was seen running (so an interrupt, not a delete, cancels it).</summary>
    public bool WasSeenRunning { get; private set; }

    // ---- the submission pipeline ----

    private async Task RunPipelineAsync(CancellationToken cancellationToken)
    {
        try
        {
            var request = await _tracker.PrepareAsync(this, _workflow, _options, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                if (_terminated)
                {
                    return;
                }

                _submittedAt = _scheduler.Now;
                _expected = request.ExpectedNodes;
                _expectedCount = Math.Max(1, request.ExpectedNodes.Count);
                _posted = true;
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

            Interlocked.Exchange(ref _acceptedFlag, 1);
            _nodeErrors = response.HasNodeErrors ? response.NodeErrors : JobQueued.NoErrors;
            Touch();
            _phase = JobPhase.Queued;

            // Armed before the update is delivered: an observer that moves a virtual clock from inside its callback
            // must find the timer already on it, counting from acceptance.
            if (_options.StartTimeout is { } start)
            {
                _startTimer = _scheduler.Schedule(start, () => OnStartLimit(start));
            }

            Emit(new JobQueued(PromptId, null, _nodeErrors));

            // A fast server starts the prompt before its answer to the POST arrives; those events waited for it.
            if (_early is { } early)
            {
                _early = null;
                foreach (var e in early)
                {
                    if (_terminated)
                    {
                        break;
                    }

                    Process(e);
                }
            }
        }

        _tracker.OnJobAccepted(this);
    }

    // ---- events routed by the tracker (socket thread) ----

    public void OnEvent(ComfyEvent e)
    {
        lock (_gate)
        {
            if (_terminated)
            {
                return;
            }

            Touch();
            if (_phase == JobPhase.Preparing)
            {
                // Keep the order Queued, Started, ... even when events overtake the POST's answer. Bounded: beyond
                // the cap only lossy frames could be dropped, and a prompt's start frames come first.
                if ((_early ??= []).Count < MaxEarlyEvents || e is not (PreviewImageEvent or ProgressEvent or ProgressStateEvent))
                {
                    _early.Add(e);
                }

                return;
            }

            Process(e);
        }
    }

    private void Process(ComfyEvent e)
    {
        switch (e)
        {
            case ExecutionStartEvent:
                MarkStarted();
                break;
            case ExecutionCachedEvent cached:
                MarkStarted();
                OnCached(cached.Nodes);
                break;
            case ExecutingEvent { Node: { } node }:
                MarkStarted();
                OnNodeStarted(node);
                break;
            case ExecutingEvent:
                OnPromptFinished();
                break;
            case ExecutionSuccessEvent:
                // The server's word that every node ran; with every frame of the run seen, the outputs are complete
                // even if the server dies before its final executing frame (see TryCompleteAfterServerDeath).
                _successSeenWithEveryFrame = Volatile.Read(ref _framesMissed) == 0 && !_rekeyed;
                break;
            case ProgressEvent progress:
                OnProgress(progress);
                break;
            case ProgressStateEvent state:
                OnProgressState(state);
                break;
            case ExecutedEvent executed:
                OnExecuted(executed);
                break;
            case PreviewImageEvent preview:
                OnPreview(preview);
                break;
            case ProgressTextEvent text:
                Emit(new JobText(PromptId, text.NodeId, text.Text));
                break;
            case ExecutionErrorEvent { IsTerminal: true } error:
                Fail(new ComfyExecutionException(
                    PromptId, error.NodeId, error.NodeType ?? ClassOf(error.NodeId), error.ExceptionType, error.ExceptionMessage, error.Traceback));
                break;
            case ExecutionInterruptedEvent interrupted:
                Fail(new ComfyInterruptedException(PromptId, interrupted.NodeId, interrupted.NodeType ?? ClassOf(interrupted.NodeId)));
                break;
        }
    }

    /// <summary>The <c>executing</c> a server replays after a reconnect (no prompt id): only a node start, never an end.</summary>
    public void OnReplayedExecuting(string node)
    {
        lock (_gate)
        {
            if (_terminated || node == _currentNode || _phase == JobPhase.Preparing)
            {
                return;
            }

            Touch();
            OnNodeStarted(node);
        }
    }

    private void MarkStarted()
    {
        if (_phase is JobPhase.Running or JobPhase.Finishing)
        {
            return;
        }

        _phase = JobPhase.Running;
        WasSeenRunning = true;
        _startedAt = _scheduler.Now;
        _startTimer?.Dispose();
        _startTimer = null;
        ArmInactivity();   // before the update, as the start timer (see OnAccepted)
        Emit(new JobStarted(PromptId, _posted ? _startedAt.Value - _submittedAt : TimeSpan.Zero));
    }

    private void OnCached(IReadOnlyList<string> nodes)
    {
        List<string>? ours = null;
        foreach (var node in nodes)
        {
            // The server lists every cached node of the prompt, even ones that will not run; count only expected ones.
            if (ContainsNode(node))
            {
                (ours ??= []).Add(node);
                if (_expected?.Contains(node) != false)
                {
                    (_done ??= new HashSet<string>(StringComparer.Ordinal)).Add(node);
                }
            }
        }

        if (ours is not null)
        {
            Emit(new JobCached(PromptId, ours));
            EmitProgressIfAdvanced();
        }
    }

    private void OnNodeStarted(string node)
    {
        var now = _scheduler.Now.UtcTicks;
        CloseCurrentNode(now);
        _currentNode = node;
        _currentNodeStartTicks = now;
        _currentValue = 0;
        _currentMax = 0;
        Emit(new JobNodeStarted(PromptId, node, ClassOf(node), _workflow.ContainsNode(node) ? _workflow.GetTitle(node) : null));
        EmitProgressIfAdvanced();
    }

    private void CloseCurrentNode(long nowTicks)
    {
        if (_currentNode is not { } previous)
        {
            return;
        }

        (_nodeTimes ??= new Dictionary<string, TimeSpan>(StringComparer.Ordinal))[previous] = TimeSpan.FromTicks(nowTicks - _currentNodeStartTicks);

        // Without progress_state (older servers) a node counts as done once the next one starts.
        MarkDone(previous);
        _runningShare?.Remove(previous);
        _currentNode = null;
    }

    private void MarkDone(string node)
    {
        if (_expected?.Contains(node) != false && ContainsNode(node))
        {
            (_done ??= new HashSet<string>(StringComparer.Ordinal)).Add(node);
        }
    }

    private void OnProgress(ProgressEvent progress)
    {
        var node = progress.Node ?? _currentNode;
        _currentValue = progress.Value;
        _currentMax = progress.Max;
        if (node is not null && progress.Max > 0 && _expected?.Contains(node) != false)
        {
            (_runningShare ??= new Dictionary<string, double>(StringComparer.Ordinal))[node] = Math.Clamp(progress.Value / progress.Max, 0, 1);
        }

        Recompute();
        _emittedFraction = _fraction;
        Emit(new JobProgress(PromptId, node, progress.Value, progress.Max, _fraction));
    }

    private void OnProgressState(ProgressStateEvent state)
    {
        var finishedBefore = _done?.Count ?? 0;
        foreach (var (id, node) in state.Nodes)
        {
            if (node.IsFinished)
            {
                MarkDone(id);
                _runningShare?.Remove(id);
            }
            else if (node.Max > 0 && _expected?.Contains(id) != false && ContainsNode(id))
            {
                (_runningShare ??= new Dictionary<string, double>(StringComparer.Ordinal))[id] = Math.Clamp(node.Value / node.Max, 0, 1);
            }
        }

        // A tick's progress_state is followed by its progress frame; report here only when a node finished.
        if ((_done?.Count ?? 0) > finishedBefore)
        {
            EmitProgressIfAdvanced();
        }
    }

    private void OnExecuted(ExecutedEvent executed)
    {
        var outputs = _outputs ??= new Dictionary<string, NodeOutput?>(StringComparer.Ordinal);

        // A cached node may re-send output: null after a real output was seen; keep the real one.
        if (executed.Output is not null || !outputs.ContainsKey(executed.Node))
        {
            outputs[executed.Node] = executed.Output;
        }

        MarkDone(executed.Node);
        if (executed.Output is not null)
        {
            Emit(new JobNodeOutput(PromptId, new JobOutput(_tracker.Api, executed.Node, ClassOf(executed.Node), executed.Output, null)));
        }

        EmitProgressIfAdvanced();
    }

    private void OnPreview(PreviewImageEvent preview)
    {
        var node = preview.NodeId ?? _currentNode;
        if (node is not null && ClassOf(preview.DisplayNodeId ?? node) == SaveImageWebsocket)
        {
            // These are results, not previews: keep a copy (the frame's buffer belongs to the socket).
            var images = _websocketImages ??= new Dictionary<string, List<JobImage>>(StringComparer.Ordinal);
            var key = preview.DisplayNodeId ?? node;
            if (!images.TryGetValue(key, out var list))
            {
                images[key] = list = [];
            }

            list.Add(new JobImage(preview.Image.ToArray(), preview.MimeType));
            return;
        }

        var update = new JobPreview(PromptId, node, preview.Image, preview.MimeType);
        if (_options.PreviewInterval is not { } interval)
        {
            Emit(update);
            return;
        }

        var now = _scheduler.Now.UtcTicks;
        if (_heldPreview is null && (_lastPreviewTicks == long.MinValue || now - _lastPreviewTicks >= interval.Ticks))
        {
            _lastPreviewTicks = now;
            Emit(update);
            return;
        }

        // Latest wins: hold the newest and deliver it when the interval is over.
        var wasHeld = _heldPreview is not null;
        _heldPreview = update;
        if (!wasHeld)
        {
            var due = TimeSpan.FromTicks(Math.Max(0, _lastPreviewTicks + interval.Ticks - now));
            _previewTimer = _scheduler.Schedule(due, FlushPreview);
        }
    }

    private void FlushPreview()
    {
        lock (_gate)
        {
            _previewTimer = null;
            if (_terminated || _heldPreview is not { } held)
            {
                return;
            }

            _heldPreview = null;
            _lastPreviewTicks = _scheduler.Now.UtcTicks;
            Emit(held);
        }
    }

    private void OnPromptFinished()
    {
        CloseCurrentNode(_scheduler.Now.UtcTicks);

        // Reaching here means success: errors and interrupts already ended the job, and servers older than mid-2024
        // send no execution_success at all.
        _phase = JobPhase.Finishing;
        if (_rekeyed || Volatile.Read(ref _framesMissed) != 0 || (_outputs is not null && _outputs.Values.Any(o => o is null)))
        {
            // Cached nodes without their UI in the frame, `executed` frames sent while the socket was down, or early
            // frames pushed out of the bounded hold of a job whose server chose its id: the history (written before
            // this frame) has them.
            _tracker.CompleteFromHistoryLater(this);
            return;
        }

        Complete(null);
    }

    // ---- verdicts from reconciliation and history (any thread) ----

    /// <summary>The queue says the prompt waits at <paramref name="position"/>.</summary>
    public void OnQueuePosition(int position)
    {
        lock (_gate)
        {
            Volatile.Write(ref _missingStrikes, 0);
            if (_terminated || _phase != JobPhase.Queued || _position == position || !_options.TrackQueuePosition)
            {
                return;
            }

            _position = position;
            Emit(new JobQueued(PromptId, position, _nodeErrors));
        }
    }

    /// <summary>The queue says the prompt runs (its <c>execution_start</c> may have been missed).</summary>
    public void OnSeenRunning()
    {
        lock (_gate)
        {
            Volatile.Write(ref _missingStrikes, 0);
            if (!_terminated)
            {
                MarkStarted();
            }
        }
    }

    /// <summary>The socket dropped while this job was in flight: frames of its run may be gone, so its result is read
    /// from the history when it finishes.</summary>
    public void MarkFramesMissed() => Volatile.Write(ref _framesMissed, 1);

    /// <summary>Neither the queue nor the history knows the prompt. Returns the strike count.</summary>
    public int OnMissing() => Interlocked.Increment(ref _missingStrikes);

    public void MarkReconciled() => Volatile.Write(ref _lastReconcileTicks, _scheduler.Now.UtcTicks);

    /// <summary>Ends the job from its history entry: success with the history's outputs, or its error or interrupt.</summary>
    public void CompleteFromHistory(HistoryEntry entry)
    {
        lock (_gate)
        {
            if (_terminated)
            {
                return;
            }

            var status = entry.Status;
            if (status is not null && !status.IsSuccess)
            {
                Fail(ToException(status));
                return;
            }

            CloseCurrentNode(_scheduler.Now.UtcTicks);
            Complete(entry.Outputs);
        }
    }

    /// <summary>
    /// The server died before the job's final <c>executing</c> frame. If its <c>execution_success</c> arrived with every
    /// frame of the run before it, the prompt did finish and its outputs are known: completing beats running it again.
    /// Not when a cached node's UI is only in the (now lost) history.
    /// </summary>
    public bool TryCompleteAfterServerDeath()
    {
        lock (_gate)
        {
            if (_terminated || !_successSeenWithEveryFrame || (_outputs is not null && _outputs.Values.Any(o => o is null)))
            {
                return false;
            }

            CloseCurrentNode(_scheduler.Now.UtcTicks);
            Complete(null);
            return true;
        }
    }

    /// <summary>Ends a finishing job with the outputs it collected, when the history could not be read.</summary>
    public void CompleteWithCollected()
    {
        lock (_gate)
        {
            if (!_terminated)
            {
                Complete(null);
            }
        }
    }

    public void Fail(Exception error)
    {
        Terminate(o => o.OnError(error), error is ComfyTimeoutException ? "the job timed out" : null);
    }

    /// <summary>
    /// The start limit passed without news of a start. The socket may have missed it (or the prompt finished unseen),
    /// so the tracker asks the server before failing the job: see <see cref="JobTracker.CheckStartTimeout"/>.
    /// </summary>
    private void OnStartLimit(TimeSpan limit)
    {
        lock (_gate)
        {
            _startTimer = null;
            if (_terminated || _phase != JobPhase.Queued)
            {
                return;
            }
        }

        _tracker.CheckStartTimeout(this, limit);
    }

    /// <summary>Fails the job with the start timeout once the server confirmed it never started.</summary>
    /// <param name="limit">The limit that passed.</param>
    /// <param name="deleted">The prompt was already deleted from the queue, so no further server call is needed.</param>
    /// <param name="serverBusy">The server's queue showed another prompt running (see <see cref="ComfyTimeoutException.ServerBusy"/>).</param>
    public void FailStartTimeout(TimeSpan limit, bool deleted, bool serverBusy)
    {
        var message = StartTimeoutMessage(limit) + (serverBusy ? " The server was busy running another prompt." : string.Empty);
        var error = new ComfyTimeoutException("start", limit, message) { ServerBusy = serverBusy };
        Terminate(o => o.OnError(error), deleted ? null : "the job timed out");
    }

    private string StartTimeoutMessage(TimeSpan limit) =>
        $"Prompt {PromptId} was accepted but not started within {limit}; the server's queue may be blocked. The queued prompt is deleted.";

    private void TimeOut(string phase, TimeSpan limit)
    {
        var message = phase switch
        {
            "start" => StartTimeoutMessage(limit),
            "inactivity" => $"Prompt {PromptId} runs but nothing arrived for {limit}; a node may hang. The prompt is interrupted.",
            _ => $"Prompt {PromptId} did not finish within {limit}. The server job is cancelled.",
        };
        Fail(new ComfyTimeoutException(phase, limit, message));
    }

    private void ArmInactivity()
    {
        if (_options.InactivityTimeout is { } limit && _inactivityTimer is null)
        {
            _inactivityTimer = _scheduler.Schedule(limit, CheckInactivity);
        }
    }

    private void CheckInactivity()
    {
        var limit = _options.InactivityTimeout!.Value;
        lock (_gate)
        {
            if (_terminated)
            {
                return;
            }

            // One timer per job, re-armed for the remainder instead of rescheduled on every event.
            var idle = TimeSpan.FromTicks(_scheduler.Now.UtcTicks - _lastEventTicks);
            if (idle < limit)
            {
                _inactivityTimer = _scheduler.Schedule(limit - idle, CheckInactivity);
                return;
            }
        }

        TimeOut("inactivity", limit);
    }

    private void Complete(IReadOnlyDictionary<string, NodeOutput>? historyOutputs)
    {
        var api = _tracker.Api;
        var outputs = new Dictionary<string, JobOutput>(StringComparer.Ordinal);
        if (historyOutputs is not null)
        {
            foreach (var (node, output) in historyOutputs)
            {
                outputs[node] = new JobOutput(api, node, ClassOf(node), output, Images(node));
            }
        }

        if (_outputs is not null)
        {
            foreach (var (node, output) in _outputs)
            {
                // The history is authoritative when present; a node it lacks keeps what the socket said.
                if (!outputs.ContainsKey(node) && (output is not null || historyOutputs is null))
                {
                    outputs[node] = new JobOutput(api, node, ClassOf(node), output, Images(node));
                }
            }
        }

        if (_websocketImages is not null)
        {
            foreach (var (node, images) in _websocketImages)
            {
                if (!outputs.ContainsKey(node))
                {
                    outputs[node] = new JobOutput(api, node, ClassOf(node), null, images);
                }
            }
        }

        var aliases = new Dictionary<string, JobOutput>(StringComparer.Ordinal);
        foreach (var (alias, node) in _workflow.Outputs)
        {
            if (outputs.TryGetValue(node, out var output))
            {
                aliases[alias] = output;
            }
        }

        var timings = new JobTimings(
            _submittedAt, _startedAt, _scheduler.Now,
            (IReadOnlyDictionary<string, TimeSpan>?)_nodeTimes ?? System.Collections.ObjectModel.ReadOnlyDictionary<string, TimeSpan>.Empty);
        var result = new JobResult(PromptId, outputs, aliases, _nodeErrors, timings);
        if (_fraction < 1)
        {
            _fraction = 1;
            Emit(new JobProgress(PromptId, null, _currentValue, _currentMax, 1));
        }

        var completed = new JobCompleted(PromptId, result);
        Terminate(o =>
        {
            o.OnNext(completed);
            o.OnCompleted();
        });

        IReadOnlyList<JobImage>? Images(string node) =>
            _websocketImages is not null && _websocketImages.TryGetValue(node, out var list) ? list : null;
    }

    /// <summary>The one place a job ends: exactly once, whoever calls first; null <paramref name="notify"/> = disposal.</summary>
    private bool Terminate(Action<IObserver<JobUpdate>>? notify, string? cancelReason = null)
    {
        lock (_gate)
        {
            if (_terminated)
            {
                return false;
            }

            _terminated = true;
            Interlocked.Exchange(ref _terminatedFlag, 1);
            _startTimer?.Dispose();
            _inactivityTimer?.Dispose();
            _overallTimer?.Dispose();
            _previewTimer?.Dispose();
            _heldPreview = null;
            _preparation?.Cancel();
            _tracker.Remove(this);

            // Registered before the observer hears of the end, so whoever reacts to it can await the server call.
            if (cancelReason is not null)
            {
                _tracker.CancelOnServer(this, _pipeline, cancelReason);
            }

            notify?.Invoke(_observer);
            return true;
        }
    }

    private void Emit(JobUpdate update)
    {
        if (!_terminated)
        {
            _observer.OnNext(update);
        }
    }

    private void EmitProgressIfAdvanced()
    {
        Recompute();
        if (_fraction > _emittedFraction + 1e-9 && _phase != JobPhase.Preparing)
        {
            _emittedFraction = _fraction;
            Emit(new JobProgress(PromptId, _currentNode, _currentValue, _currentMax, _fraction));
        }
    }

    private void Recompute()
    {
        var total = _expectedCount == 0 ? Math.Max(1, _workflow.Count) : _expectedCount;
        double sum = _done?.Count ?? 0;
        if (_runningShare is not null)
        {
            foreach (var (node, share) in _runningShare)
            {
                if (_done?.Contains(node) != true)
                {
                    sum += share;
                }
            }
        }

        // Estimates can overshoot (nodes the graph analysis did not expect); never report done before the end.
        var fraction = Math.Min(0.999, sum / total);
        _fraction = Math.Max(_fraction, fraction);
    }

    private void Touch() => Volatile.Write(ref _lastEventTicks, _scheduler.Now.UtcTicks);

    private string? ClassOf(string? node) => node is not null && _workflow.ContainsNode(node) ? _workflow.GetClassType(node) : null;

    private Exception ToException(HistoryStatus status)
    {
        if (status.IsInterrupted)
        {
            var data = status.Messages.First(m => m.Name == "execution_interrupted").Data;
            var node = Str(data, "node_id");
            return new ComfyInterruptedException(PromptId, node, Str(data, "node_type") ?? ClassOf(node));
        }

        if (status.ExecutionError is { } error)
        {
            var node = Str(error, "node_id");
            var traceback = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("traceback", out var t) && t.ValueKind == JsonValueKind.Array
                ? t.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : x.GetRawText()).ToList()
                : [];
            return new ComfyExecutionException(
                PromptId, node, Str(error, "node_type") ?? ClassOf(node), Str(error, "exception_type") ?? string.Empty,
                Str(error, "exception_message") ?? string.Empty, traceback);
        }

        return new ComfyExecutionException(PromptId, null, null, string.Empty, $"the server recorded the prompt as '{status.StatusStr}' without details", []);

        static string? Str(JsonElement e, string key) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }
}
