using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using ComfyUI.Reactive.Jobs.Progress;
using ComfyUI.Reactive.Sessions;
using ComfyUI.Reactive.Workflows;
using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.Jobs;

/// <summary>
/// The jobs of one client: it subscribes once to the session's events, connection and liveness and wires the parts —
/// the <see cref="JobRouter"/> (events to jobs by prompt id), the <see cref="JobReconciler"/> (the server as the truth),
/// <see cref="JobServerCalls"/> (cancellation, start-timeout checks, history reads) and <see cref="JobSubmission"/> — to
/// each job's runner (<see cref="TrackedJob"/>, which feeds the pure <see cref="JobMachine"/>).
/// </summary>
/// <remarks>Finished jobs leave every collection at once (<see cref="Remove"/>), so memory does not grow with the number
/// of completed jobs and a late frame of a finished prompt finds no job.</remarks>
internal sealed class JobTracker : IDisposable
{
    /// <summary>The bound of the hold of events of unknown prompts (<see cref="JobRouter.MaxUnmatchedEvents"/>).</summary>
    internal const int MaxUnmatchedEvents = JobRouter.MaxUnmatchedEvents;

    private readonly ComfyClient _client;
    private readonly ServerSession _session;
    private readonly ILogger _logger;
    private readonly string? _clientApiKey;
    private readonly JobRouter _router;
    private readonly JobReconciler _reconciler;
    private readonly JobServerCalls _calls;
    private readonly CompositeDisposable _subscriptions;
    private int _disposed;

    public JobTracker(ComfyClient client, ServerSession session, ComfyClientOptions options, ILogger logger)
    {
        _client = client;
        _session = session;
        _logger = logger;
        _clientApiKey = options.ComfyOrgApiKey;
        ProgressHistory = options.ProgressHistory;
        _router = new JobRouter(session.Scheduler, () => _reconciler!.RequestQueueRefresh());
        _reconciler = new JobReconciler(session, _router, logger);
        _calls = new JobServerCalls(session, _router, logger);

        // The session polls the server while the socket is down and jobs are in flight; its answers reconcile the jobs,
        // and its verdict says when the server is gone.
        _subscriptions = new CompositeDisposable(
            session.Connection.Subscribe(OnConnection, _ => { }, () => { }),
            session.Liveness.Watch(() => !_router.IsEmpty),
            session.Liveness.Snapshots.Subscribe(_reconciler.OnOutageSnapshot, _ => { }, () => { }),
            session.Liveness.Verdicts.Subscribe(_reconciler.OnVerdict, _ => { }, () => { }),
            session.Events.Subscribe(_router.OnEvent));
    }

    public IScheduler Scheduler => _session.Scheduler;

    /// <summary>Learnt node costs: read when a job is posted, written when it succeeds; null when the client learns none.</summary>
    private IProgressHistory? ProgressHistory { get; }

    public ComfyApi Api => _session.Api;

    /// <summary>How many jobs are in flight (for tests and diagnostics).</summary>
    public int Count => _router.Count;

    /// <summary>Every per-job entry held (in-flight jobs, acceptance order); 0 when idle (tests).</summary>
    public int Entries => _router.Count + _reconciler.Accepted;

    /// <summary>How many events of unknown prompts are held for a re-key (tests).</summary>
    public int UnmatchedEvents => _router.UnmatchedEvents;

    /// <summary>The costs learnt for a workflow, or null. A failing history (user code) costs only the weighting.</summary>
    public IReadOnlyDictionary<string, NodeCost>? FindNodeCosts(Workflow workflow)
    {
        try
        {
            return ProgressHistory?.Find(workflow.Hash);
        }
        catch (Exception ex)
        {
            JobLog.ProgressHistoryFailed(_logger, "find", ex.GetType().Name, ex.Message);
            return null;
        }
    }

    /// <summary>Records what a successful run's nodes cost (nothing for a fully cached run). Never fails the job.</summary>
    public void LearnNodeCosts(Workflow workflow, IReadOnlyDictionary<string, NodeCost> costs)
    {
        if (ProgressHistory is null || costs.Count == 0)
        {
            return;
        }

        try
        {
            ProgressHistory.Record(workflow.Hash, costs);
        }
        catch (Exception ex)
        {
            JobLog.ProgressHistoryFailed(_logger, "record", ex.GetType().Name, ex.Message);
        }
    }

    public IDisposable Track(Workflow workflow, JobOptions options, IObserver<JobUpdate> observer)
    {
        var job = new TrackedJob(this, workflow, options, observer, new JobState
        {
            Server = _session.Server,
            ClientId = _client.ClientId,
            PromptId = Guid.NewGuid().ToString(),
        });
        if (Volatile.Read(ref _disposed) != 0)
        {
            observer.OnError(new ObjectDisposedException(nameof(ComfyClient)));
            return Disposable.Empty;
        }

        // Registered before anything is sent: events of the prompt can never arrive before the job can take them.
        _router.Register(job);
        _reconciler.ArmTick();
        if (!_router.Connected && _router.EverConnected)
        {
            // Added during an outage: the session's poller may have stopped for want of jobs.
            _session.Liveness.Wake();
        }

        job.Start();
        return job;
    }

    /// <summary>Resolves when every server cancellation and start-timeout check issued so far has finished (tests await
    /// it instead of sleeping).</summary>
    public Task WhenCancellationsSentAsync() => _calls.WhenSentAsync();

    /// <summary>Resolves when the latest reconciliation (and the session's latest outage poll) finished.</summary>
    public Task WhenReconciledAsync() => _reconciler.WhenReconciledAsync();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _reconciler.Disposed = true;
        _subscriptions.Dispose();
        foreach (var job in _router.Jobs)
        {
            job.Fail(new ComfyConnectionException($"The client for {_session.Server} was disposed while prompt {job.PromptId} was in flight."));
        }
    }

    public Task<PreparedPrompt> PrepareAsync(TrackedJob job, Workflow workflow, JobOptions options, CancellationToken cancellationToken) =>
        JobSubmission.PrepareAsync(_client, _session, _router.EverConnected, _clientApiKey, job.PromptId, workflow, options, cancellationToken);

    /// <summary>A submission's answer said whether the server kept the client's prompt id.</summary>
    public void LearnPromptIdAnswer(bool honoured) => _session.Facts.LearnPromptIdAnswer(honoured);

    /// <summary>A job posts its prompt: until its answer, events of unknown prompts are kept for a possible re-key.</summary>
    public void OnSubmitting() => _router.OnSubmitting();

    /// <summary>A job's POST was answered (or failed).</summary>
    public void OnAnswered() => _router.OnAnswered();

    /// <summary>The server answered with its own id for the prompt: route the job by it from now on.</summary>
    public void Rekey(TrackedJob job, string serverPromptId)
    {
        if (_router.Rekey(job, serverPromptId) && job.IsTerminated)
        {
            // It ended meanwhile and Remove may have looked under the old id.
            Remove(job);
        }
    }

    public void OnJobAccepted(TrackedJob job) => _reconciler.OnJobAccepted(job);

    public void Remove(TrackedJob job)
    {
        _router.Unregister(job);
        _reconciler.Forget(job);
    }

    /// <summary>Deletes (pending) or interrupts (running) exactly this job's prompt, never anything else.</summary>
    public void CancelOnServer(TrackedJob job, Task? pipeline, string reason) => _calls.CancelOnServer(job, pipeline, reason);

    /// <summary>A job's start limit passed: ask the server before failing it.</summary>
    public void CheckStartTimeout(TrackedJob job, TimeSpan limit) => _calls.CheckStartTimeout(job, limit);

    /// <summary>A finished job had cached nodes without UI in the frame: take the outputs from the history.</summary>
    public void CompleteFromHistoryLater(TrackedJob job) => _calls.CompleteFromHistoryLater(job);

    private void OnConnection(ConnectionState state)
    {
        if (state == ConnectionState.Connected)
        {
            if (_router.OnConnected())
            {
                JobLog.Reconciling(_logger, _router.Count, "the socket reconnected");
                _reconciler.Reconcile(static _ => true);
            }
        }
        else if (_router.OnDisconnected())
        {
            // Frames of their runs may be lost: they read their results from the history. The session polls the queue
            // from now on (at once, then on its cadence) and the reconciler applies its answers.
            foreach (var job in _router.Jobs)
            {
                job.MarkFramesMissed();
            }
        }
    }
}
