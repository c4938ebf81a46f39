using System.Collections.Concurrent;
using System.Reactive.Concurrency;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Events;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Sessions;
using ComfyUI.Reactive.Workflows;
using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.Jobs;

/// <summary>
/// The one dispatcher of a client's jobs. It subscribes once to the client's events and connection state and routes each
/// event to its job by <c>prompt_id</c> (a dictionary lookup, not a filter per job), attributes id-less frames only when
/// unambiguous, keeps queue positions fresh with one shared <c>GET /queue</c>, and reconciles jobs with the server
/// (<c>/queue</c>, <c>/history/{id}</c>) after reconnects, during outages and after silence.
/// </summary>
/// <remarks>
/// Finished jobs leave every collection here at once (<see cref="Remove"/>), so a late frame of a finished prompt finds no
/// job and is dropped: it can never complete, fail or advance another job.
/// </remarks>
internal sealed class JobTracker : IDisposable
{
    private static readonly TimeSpan QueueRefreshInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan HistoryGrace = TimeSpan.FromSeconds(1);
    private const int MissingStrikesToFail = 2;

    // Events whose prompt id matched no job, kept while a submission awaits its answer: a server older than 2025-07-14
    // ignores the client's prompt id and names the prompt in its answer, after its first events may have arrived.
    internal const int MaxUnmatchedEvents = 4096;
    private static readonly TimeSpan UnmatchedEventLifetime = TimeSpan.FromSeconds(5);

    private readonly ComfyClient _client;
    private readonly ServerSession _session;
    private readonly ILogger _logger;
    private readonly string? _clientApiKey;
    private readonly string _server;
    private readonly ConcurrentDictionary<string, TrackedJob> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<TrackedJob, long> _acceptSequence = new();
    private readonly SemaphoreSlim _historyReads = new(4, 4);
    private readonly List<Task> _cancellations = [];
    private readonly object _unmatchedGate = new();
    private readonly Queue<(long Ticks, ComfyEvent Event)> _unmatched = new();
    private readonly IDisposable _events;
    private readonly IDisposable _connection;
    private readonly System.Reactive.Disposables.CompositeDisposable _liveness;
    // The job this client's server runs, for frames without a prompt id. Set only from confirmed sources: an event of
    // that prompt on the current connection, or a /queue snapshot asked for after the current connection was made.
    // Cleared on every disconnect: what runs after an outage is unknown until confirmed again.
    private volatile TrackedJob? _running;
    private volatile string? _heldReplay;
    private long _connectionEpoch;
    private volatile bool _connected;
    private volatile bool _everConnected;
    private int _awaitingAnswer;
    private volatile string? _lastStartedPromptId;
    private int _tickArmed;
    private int _reconciling;
    private int _reconcileAgain;
    private int _queueRefreshArmed;
    private long _lastQueueRefreshTicks = long.MinValue;
    private int _disposed;
    private Task _lastReconcile = Task.CompletedTask;

    public JobTracker(ComfyClient client, ServerSession session, ComfyClientOptions options, ILogger logger)
    {
        _client = client;
        _session = session;
        _logger = logger;
        _clientApiKey = options.ComfyOrgApiKey;
        _server = session.Server;
        Scheduler = session.Scheduler;
        _connection = session.Connection.Subscribe(OnConnection, _ => { }, () => { });

        // The session polls the server while the socket is down and jobs are in flight; its answers reconcile the jobs,
        // and its verdict says when the server is gone.
        _liveness = new System.Reactive.Disposables.CompositeDisposable(
            session.Liveness.Watch(() => !_jobs.IsEmpty),
            session.Liveness.Snapshots.Subscribe(OnOutageSnapshot, _ => { }, () => { }),
            session.Liveness.Verdicts.Subscribe(OnVerdict, _ => { }, () => { }));
        _events = session.Events.Subscribe(OnEvent);
    }

    public IScheduler Scheduler { get; }

    public ComfyApi Api => _session.Api;

    /// <summary>How many jobs are in flight (for tests and diagnostics).</summary>
    public int Count => _jobs.Count;

    /// <summary>Every per-job entry the dispatcher holds (in-flight jobs, acceptance order); 0 when idle (tests).</summary>
    public int Entries => _jobs.Count + _acceptSequence.Count;

    /// <summary>How many events of unknown prompts are held for a re-key (tests).</summary>
    public int UnmatchedEvents
    {
        get
        {
            lock (_unmatchedGate)
            {
                return _unmatched.Count;
            }
        }
    }

    public IDisposable Track(Workflow workflow, JobOptions options, IObserver<JobUpdate> observer)
    {
        var job = new TrackedJob(this, workflow, options, observer, new JobState
        {
            Server = _server,
            ClientId = _client.ClientId,
            PromptId = Guid.NewGuid().ToString(),
        });
        if (Volatile.Read(ref _disposed) != 0)
        {
            observer.OnError(new ObjectDisposedException(nameof(ComfyClient)));
            return System.Reactive.Disposables.Disposable.Empty;
        }

        // Registered before anything is sent: events of the prompt can never arrive before the job can take them.
        _jobs[job.PromptId] = job;
        ArmTick();
        if (!_connected && _everConnected)
        {
            // Added during an outage: the session's poller may have stopped for want of jobs.
            _session.Liveness.Wake();
        }

        job.Start();
        return job;
    }

    /// <summary>Resolves when every server cancellation and start-timeout check issued so far has finished (tests await
    /// it instead of sleeping).</summary>
    public Task WhenCancellationsSentAsync()
    {
        lock (_cancellations)
        {
            return Task.WhenAll(_cancellations.ToArray());
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _events.Dispose();
        _connection.Dispose();
        _liveness.Dispose();
        foreach (var job in _jobs.Values)
        {
            job.Fail(new ComfyConnectionException($"The client for {_server} was disposed while prompt {job.PromptId} was in flight."));
        }
    }

    // ---- preparing a submission ----

    public async Task<PreparedPrompt> PrepareAsync(TrackedJob job, Workflow workflow, JobOptions options, CancellationToken cancellationToken)
    {
        if (!_everConnected)
        {
            // Events are only routed to a connected socket: connect before the first submission. Later submissions do
            // not wait for a reconnect; reconciliation covers what an outage hides.
            await _client.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var attachment in options.Attachments)
        {
            var content = await attachment.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (content.ConfigureAwait(false))
            {
                var uploaded = await Api.UploadImageAsync(content, attachment.FileName, attachment.Upload, cancellationToken).ConfigureAwait(false);
                workflow = workflow.Set(attachment.Path, JsonValue.Create(uploaded.WorkflowValue));
            }
        }

        NodeSchemaCatalog? catalog;
        JsonElement prompt;
        IReadOnlyList<string>? validOutputs = null;
        if (options.ValidateBeforeSubmit && options.PartialExecutionTargets is null)
        {
            // Uploaded attachments are newer than any schema snapshot; their names are checked by the server.
            var validation = options.Attachments.Count == 0 ? WorkflowValidationOptions.Default : new WorkflowValidationOptions { CheckInputFiles = false };
            catalog = await _session.Schema.GetCatalogAsync(cancellationToken).ConfigureAwait(false);
            prompt = Render(workflow, catalog);
            var result = Workflow.Parse(prompt).Validate(catalog, validation);
            if (!result.IsValid)
            {
                // The snapshot may predate new models or uploads: ask the server again (at most once a second) before rejecting.
                var fresh = await _session.Schema.RefreshAsync(catalog, cancellationToken).ConfigureAwait(false);
                if (!ReferenceEquals(fresh, catalog))
                {
                    catalog = fresh;
                    prompt = Render(workflow, catalog);
                    result = Workflow.Parse(prompt).Validate(catalog, validation);
                }
            }

            result.ThrowIfInvalid();
            validOutputs = result.ValidOutputs;
        }
        else
        {
            catalog = _session.Schema.Cached;
            prompt = Render(workflow, catalog);
        }

        var extra = options.ExtraData is null
            ? new Dictionary<string, JsonElement>(StringComparer.Ordinal)
            : new Dictionary<string, JsonElement>(options.ExtraData, StringComparer.Ordinal);
        if ((options.ComfyOrgApiKey ?? _clientApiKey) is { Length: > 0 } key)
        {
            extra["api_key_comfy_org"] = JsonSerializer.SerializeToElement(key, Rest.ComfyRestJsonContext.Default.String);
        }

        var request = new PromptRequest
        {
            Prompt = prompt,
            ClientId = _client.ClientId,
            PromptId = job.PromptId,
            Front = options.Front ? true : null,
            Number = options.Number,
            ExtraData = extra.Count == 0 ? null : extra,
            PartialExecutionTargets = options.PartialExecutionTargets,
        };
        return new PreparedPrompt(request, ExpectedNodes(prompt, catalog, options.PartialExecutionTargets ?? validOutputs));
    }

    private static JsonElement Render(Workflow workflow, NodeSchemaCatalog? catalog)
    {
        using var document = JsonDocument.Parse(workflow.Render(catalog).ToJsonString());
        return document.RootElement.Clone();
    }

    /// <summary>The nodes that will run or come from the cache: everything upstream of the outputs that will execute.</summary>
    private static HashSet<string> ExpectedNodes(JsonElement prompt, NodeSchemaCatalog? catalog, IReadOnlyList<string>? roots)
    {
        var all = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in prompt.EnumerateObject())
        {
            all.Add(node.Name);
        }

        if (roots is null)
        {
            if (catalog is null)
            {
                return all;
            }

            roots = [.. prompt.EnumerateObject()
                .Where(n => Workflow.ClassTypeOf(n.Value) is { } c && catalog.TryGetNode(c, out var info) && info.OutputNode)
                .Select(n => n.Name)];
        }

        var expected = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>(roots.Where(all.Contains));
        while (stack.TryPop(out var id))
        {
            if (!expected.Add(id) || !prompt.TryGetProperty(id, out var node) || Workflow.InputsOf(node) is not { } inputs)
            {
                continue;
            }

            foreach (var input in inputs.EnumerateObject())
            {
                if (input.Value.ValueKind == JsonValueKind.Array && input.Value.GetArrayLength() == 2 &&
                    input.Value[0].ValueKind == JsonValueKind.String && input.Value[0].GetString() is { } source && all.Contains(source))
                {
                    stack.Push(source);
                }
            }
        }

        return expected.Count == 0 ? all : expected;
    }

    // ---- routing (socket thread, one event at a time) ----

    private void OnEvent(ComfyEvent e)
    {
        switch (e)
        {
            case StatusEvent:
                RequestQueueRefresh();
                return;
            case ExecutingEvent { PromptId: null, Node: { } replayed }:
                // Replayed after a reconnect: belongs to the prompt of ours that runs, if its graph has that node. Right
                // after a reconnect nothing is confirmed yet (the job that ran before may have finished during the
                // outage): hold it until the reconnect's /queue snapshot says which prompt runs.
                if (_running is { } r)
                {
                    if (r.ContainsNode(replayed))
                    {
                        r.OnReplayedExecuting(replayed);
                    }
                }
                else
                {
                    _heldReplay = replayed;
                }

                return;
            case PreviewImageEvent { PromptId: null }:
            case ProgressEvent { PromptId: null }:
                // Type-1 previews (and progress of pre-2024 servers) carry no id; they follow the running prompt's frames.
                _running?.OnEvent(e);
                return;
            case ProgressTextEvent { PromptId: null } text:
                // Broadcast to every client: only ours when one of our jobs runs and its graph has the node.
                if (_running is { } t && t.ContainsNode(text.NodeId))
                {
                    t.OnEvent(e);
                }

                return;
        }

        if (e.PromptId is not { } id)
        {
            return;
        }

        if (e is ExecutionStartEvent)
        {
            // A prompt starts: an executing replayed before it described the previous one.
            _heldReplay = null;
            _lastStartedPromptId = id;
        }

        if (!_jobs.TryGetValue(id, out var job))
        {
            if (e is ExecutionStartEvent)
            {
                // A prompt we do not track runs now (submitted outside Run): id-less frames are its, not ours.
                _running = null;
            }

            if (Volatile.Read(ref _awaitingAnswer) == 0 || !HoldUnmatched(id, e, out job))
            {
                return;
            }
        }

        if (e is ExecutionStartEvent or ExecutionCachedEvent or ExecutingEvent { Node: not null } or ProgressEvent)
        {
            _running = job;
        }

        job.OnEvent(e);
    }

    /// <summary>
    /// Keeps an event whose prompt no job has (yet), in case a submission's answer names that prompt; or, if a re-key
    /// registered the prompt meanwhile, returns its job (the re-key replayed the earlier events first, under the lock).
    /// </summary>
    private bool HoldUnmatched(string promptId, ComfyEvent e, out TrackedJob job)
    {
        lock (_unmatchedGate)
        {
            if (_jobs.TryGetValue(promptId, out job!))
            {
                return true;
            }

            // Preview images are slices of the socket's receive buffer (and lossy): not kept.
            if (e is not PreviewImageEvent)
            {
                if (_unmatched.Count == MaxUnmatchedEvents)
                {
                    _unmatched.Dequeue();
                }

                _unmatched.Enqueue((Scheduler.Now.UtcTicks, e));
            }

            return false;
        }
    }

    /// <summary>A submission's answer said whether the server kept the client's prompt id.</summary>
    public void LearnPromptIdAnswer(bool honoured) => _session.Facts.LearnPromptIdAnswer(honoured);

    /// <summary>A job posts its prompt: until its answer, events of unknown prompts are kept for a possible re-key.</summary>
    public void OnSubmitting() => Interlocked.Increment(ref _awaitingAnswer);

    /// <summary>A job's POST was answered (or failed); with none left waiting, the kept events can never be claimed.</summary>
    public void OnAnswered()
    {
        if (Interlocked.Decrement(ref _awaitingAnswer) != 0)
        {
            return;
        }

        lock (_unmatchedGate)
        {
            if (Volatile.Read(ref _awaitingAnswer) == 0)
            {
                _unmatched.Clear();
            }
        }
    }

    /// <summary>
    /// The server answered with its own id for the prompt (servers before 2025-07-14 ignore the client's): the job is
    /// routed by that id from now on, and the events that arrived under it before the answer (kept for at most
    /// <see cref="UnmatchedEventLifetime"/>) are handed to it first, in order. Called before the job leaves its
    /// preparing phase, so they queue up behind its acceptance like any early event.
    /// </summary>
    public void Rekey(TrackedJob job, string serverPromptId)
    {
        var clientPromptId = job.PromptId;
        lock (_unmatchedGate)
        {
            if (_jobs.TryGetValue(serverPromptId, out var other) && other != job)
            {
                // Another of our jobs has that id already; the server cannot mean it. Keep routing by ours.
                return;
            }

            var oldest = Scheduler.Now.UtcTicks - UnmatchedEventLifetime.Ticks;
            var replayRunning = false;
            for (var i = _unmatched.Count; i > 0; i--)
            {
                var (ticks, e) = _unmatched.Dequeue();
                if (e.PromptId != serverPromptId)
                {
                    _unmatched.Enqueue((ticks, e));
                }
                else if (ticks >= oldest)
                {
                    replayRunning |= e is ExecutionStartEvent or ExecutionCachedEvent or ExecutingEvent { Node: not null } or ProgressEvent;
                    job.OnEvent(e);
                }
            }

            job.SetPromptId(serverPromptId);
            _jobs[serverPromptId] = job;
            _jobs.TryRemove(new KeyValuePair<string, TrackedJob>(clientPromptId, job));

            // Id-less frames are its only if no other prompt started after it.
            if (replayRunning && _lastStartedPromptId == serverPromptId)
            {
                _running = job;
            }
        }

        if (job.IsTerminated)
        {
            // It ended meanwhile and Remove may have looked under the old id.
            Remove(job);
        }
    }

    private void OnConnection(ConnectionState state)
    {
        if (state == ConnectionState.Connected)
        {
            var reconnected = _everConnected && !_connected;
            Interlocked.Increment(ref _connectionEpoch);
            _connected = true;
            _everConnected = true;
            if (reconnected)
            {
                JobLog.Reconciling(_logger, _jobs.Count, "the socket reconnected");
                Reconcile(static _ => true);
            }
        }
        else if (_connected)
        {
            _connected = false;
            Interlocked.Increment(ref _connectionEpoch);
            _running = null;
            _heldReplay = null;
            foreach (var job in _jobs.Values)
            {
                job.MarkFramesMissed();
            }

            // The session polls the queue from now on (at once, then on its cadence): see OnOutageSnapshot.
        }
    }

    /// <summary>The epoch a /queue snapshot asked for now may confirm, or -1 while disconnected (it confirms nothing).</summary>
    private long ConfirmableEpoch() => _connected ? Interlocked.Read(ref _connectionEpoch) : -1;

    /// <summary>A /queue snapshot of the current connection says <paramref name="job"/> runs: id-less frames are its.</summary>
    private void ConfirmRunning(TrackedJob job, long epoch)
    {
        if (epoch < 0 || epoch != Interlocked.Read(ref _connectionEpoch) || job.IsTerminated)
        {
            return;
        }

#pragma warning disable CS0420 // Interlocked on a volatile field is fine: Interlocked is a full fence.
        if (Interlocked.CompareExchange(ref _running, job, null) is not null)
        {
            return;
        }

        if (job.IsTerminated)
        {
            // It ended between the check and the assignment; Remove may have run already.
            Interlocked.CompareExchange(ref _running, null, job);
            return;
        }
#pragma warning restore CS0420

        if (Interlocked.Exchange(ref _heldReplay, null) is { } replayed && job.ContainsNode(replayed))
        {
            job.OnReplayedExecuting(replayed);
        }
    }

    /// <summary>A /queue snapshot of the current connection says none of ours runs: a held replay is someone else's.</summary>
    private void ConfirmNotOurs(long epoch)
    {
        if (epoch >= 0 && epoch == Interlocked.Read(ref _connectionEpoch) && _running is null)
        {
            _heldReplay = null;
        }
    }

    // ---- job callbacks ----

    public void OnJobAccepted(TrackedJob job)
    {
        _acceptSequence[job] = _session.Stamp();
        if (job.IsTerminated)
        {
            // It ended before we got here (its whole run overtook the POST's answer) and Remove may already have run:
            // without this the entry, and the job with it, would stay forever.
            _acceptSequence.TryRemove(job, out _);
            return;
        }

        if (job.Options.TrackQueuePosition)
        {
            RequestQueueRefresh();
        }
    }

    public void Remove(TrackedJob job)
    {
        _jobs.TryRemove(new KeyValuePair<string, TrackedJob>(job.PromptId, job));
        _acceptSequence.TryRemove(job, out _);
#pragma warning disable CS0420 // Interlocked on a volatile field is fine: Interlocked is a full fence.
        Interlocked.CompareExchange(ref _running, null, job);
#pragma warning restore CS0420
    }

    /// <summary>Deletes (pending) or interrupts (running) exactly this job's prompt, never anything else.</summary>
    public void CancelOnServer(TrackedJob job, Task? pipeline, string reason)
    {
        var task = CancelOnServerAsync(job, pipeline, reason);
        lock (_cancellations)
        {
            _cancellations.RemoveAll(t => t.IsCompleted);
            _cancellations.Add(task);
        }
    }

    private async Task CancelOnServerAsync(TrackedJob job, Task? pipeline, string reason)
    {
        if (pipeline is not null)
        {
            // The submission may be on the wire: wait for its answer, so the prompt is known before it is cancelled.
            await pipeline.ConfigureAwait(false);
        }

        if (!job.MayBeOnServer)
        {
            return;
        }

        try
        {
            if (job.WasSeenRunning)
            {
                await InterruptAsync(job, reason).ConfigureAwait(false);
                return;
            }

            JobLog.Cancelling(_logger, job.PromptId, "delete", reason);
            await Api.DeleteFromQueueAsync([job.PromptId], CancellationToken.None).ConfigureAwait(false);

            // It may have started between our last news and the delete (a delete only removes pending prompts):
            // interrupt by id only if the server says it runs, so an old server that ignores the id is never hit blindly.
            var queue = await Api.GetQueueAsync(CancellationToken.None).ConfigureAwait(false);
            if (queue.Running.Any(i => i.PromptId == job.PromptId))
            {
                await InterruptAsync(job, reason).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is ComfyException or ObjectDisposedException)
        {
            JobLog.CancelFailed(_logger, job.PromptId, ex.GetType().Name, ex.Message);
        }
    }

    /// <summary>
    /// Interrupts the job's running prompt by its id. ComfyUI honours <c>/interrupt {"prompt_id"}</c> only since 0.3.56
    /// (2025-09-02); an older server ignores the id and stops whatever runs, which may be somebody else's prompt by the
    /// time the request lands. So on such a server (or one whose version cannot be read) the prompt is left to finish:
    /// never a global interrupt.
    /// </summary>
    private async Task InterruptAsync(TrackedJob job, string reason)
    {
        if (!await _session.Facts.HonoursTargetedInterruptAsync().ConfigureAwait(false))
        {
            JobLog.CannotInterrupt(_logger, job.PromptId, _server);
            return;
        }

        JobLog.Cancelling(_logger, job.PromptId, "interrupt", reason);
        await Api.InterruptAsync(job.PromptId, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// A job's start limit passed. Before failing it, ask the server: running → it continues as started; finished →
    /// completed from the history; still pending → deleted from the queue, checked once more (it may have started
    /// between the snapshot and the delete, which only removes pending prompts) and only then failed with the timeout.
    /// </summary>
    public void CheckStartTimeout(TrackedJob job, TimeSpan limit)
    {
        var task = CheckStartTimeoutAsync(job, limit);
        lock (_cancellations)
        {
            _cancellations.RemoveAll(t => t.IsCompleted);
            _cancellations.Add(task);
        }
    }

    private async Task CheckStartTimeoutAsync(TrackedJob job, TimeSpan limit)
    {
        var busy = false;
        try
        {
            var (verdict, busyNow) = await SettleStartAsync(job).ConfigureAwait(false);
            busy = busyNow;
            if (verdict == StartVerdict.Pending)
            {
                if (!job.IsQueued)
                {
                    return;
                }

                JobLog.Cancelling(_logger, job.PromptId, "delete", "it did not start within its start timeout");
                await Api.DeleteFromQueueAsync([job.PromptId], CancellationToken.None).ConfigureAwait(false);
                (verdict, _) = await SettleStartAsync(job).ConfigureAwait(false);
            }

            if (verdict != StartVerdict.Settled)
            {
                // Gone from the queue (or, on a server that ignored the delete, still there: cancel it the usual way).
                job.FailStartTimeout(limit, deleted: verdict == StartVerdict.Unknown, busy);
            }
        }
        catch (Exception ex) when (ex is ComfyException or ObjectDisposedException)
        {
            // The server cannot be asked: fail as before; the usual cancellation tries the delete once more.
            JobLog.CancelFailed(_logger, job.PromptId, ex.GetType().Name, ex.Message);
            job.FailStartTimeout(limit, deleted: false, busy);
        }
    }

    /// <summary>Where the prompt is, and whether another prompt was running (the server busy, not stalled).</summary>
    private async Task<(StartVerdict Verdict, bool ServerBusy)> SettleStartAsync(TrackedJob job)
    {
        var epoch = ConfirmableEpoch();
        var queue = await Api.GetQueueAsync(CancellationToken.None).ConfigureAwait(false);
        var busy = queue.Running.Any(i => i.PromptId != job.PromptId);
        if (job.IsTerminated)
        {
            return (StartVerdict.Settled, busy);
        }

        if (queue.Running.Any(i => i.PromptId == job.PromptId))
        {
            // The socket missed its start (or it is on its way): the job is running, not late.
            job.OnSeenRunning();
            ConfirmRunning(job, epoch);
            return (StartVerdict.Settled, busy);
        }

        if (queue.Pending.Any(i => i.PromptId == job.PromptId))
        {
            return (StartVerdict.Pending, busy);
        }

        if (await Api.GetHistoryEntryAsync(job.PromptId, CancellationToken.None).ConfigureAwait(false) is { } entry)
        {
            job.CompleteFromHistory(entry);
            return (StartVerdict.Settled, busy);
        }

        return (StartVerdict.Unknown, busy);
    }

    private enum StartVerdict
    {
        Settled,
        Pending,
        Unknown,
    }

    /// <summary>A finished job had cached nodes without UI in the frame: take the outputs from the history.</summary>
    public void CompleteFromHistoryLater(TrackedJob job) => _ = CompleteFromHistoryAsync(job);

    private async Task CompleteFromHistoryAsync(TrackedJob job)
    {
        try
        {
            var entry = await Api.GetHistoryEntryAsync(job.PromptId, CancellationToken.None).ConfigureAwait(false);
            if (entry is not null)
            {
                job.CompleteFromHistory(entry);
                return;
            }
        }
        catch (Exception ex) when (ex is ComfyException or ObjectDisposedException)
        {
            JobLog.HistoryFailed(_logger, job.PromptId, ex.GetType().Name, ex.Message);
        }

        job.CompleteWithCollected();
    }

    // ---- queue positions (one shared, throttled GET /queue) ----

    private void RequestQueueRefresh()
    {
        if (_jobs.IsEmpty || Interlocked.CompareExchange(ref _queueRefreshArmed, 1, 0) != 0)
        {
            return;
        }

        var last = Volatile.Read(ref _lastQueueRefreshTicks);
        var due = last == long.MinValue
            ? TimeSpan.Zero
            : TimeSpan.FromTicks(Math.Max(0, last + QueueRefreshInterval.Ticks - Scheduler.Now.UtcTicks));
        Scheduler.Schedule(due, () => _ = RefreshQueueAsync());
    }

    private async Task RefreshQueueAsync()
    {
        Volatile.Write(ref _lastQueueRefreshTicks, Scheduler.Now.UtcTicks);
        Volatile.Write(ref _queueRefreshArmed, 0);
        var sequence = _session.Stamp();
        var epoch = ConfirmableEpoch();
        QueueState queue;
        try
        {
            queue = await Api.GetQueueAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ComfyException or ObjectDisposedException)
        {
            return;
        }

        ServerAnswered();

        // A queued job missing from the queue finished quickly or was deleted by someone else: ask the history.
        await ApplyQueueAsync(queue, sequence, epoch, static j => j.IsQueued, graceWhileConnected: true).ConfigureAwait(false);
    }

    // ---- reconciliation ----

    private void Reconcile(Func<TrackedJob, bool> which)
    {
        if (Interlocked.Exchange(ref _reconciling, 1) != 0)
        {
            Volatile.Write(ref _reconcileAgain, 1);
            return;
        }

        _lastReconcile = ReconcileAsync(which);
    }

    /// <summary>Resolves when the latest reconciliation (and the session's latest outage poll) finished (tests await it
    /// instead of sleeping).</summary>
    public async Task WhenReconciledAsync()
    {
        await _session.Liveness.LastPoll.ConfigureAwait(false);
        await Volatile.Read(ref _lastReconcile).ConfigureAwait(false);
    }

    private async Task ReconcileAsync(Func<TrackedJob, bool> which)
    {
        try
        {
            var sequence = _session.Stamp();
            var epoch = ConfirmableEpoch();
            QueueState queue;
            try
            {
                queue = await Api.GetQueueAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ComfyException or ObjectDisposedException)
            {
                // The next tick (or, while the socket is down, the session's poll) tries again.
                return;
            }

            ServerAnswered();
            await ApplyQueueAsync(queue, sequence, epoch, which, graceWhileConnected: false).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _reconciling, 0);
            if (Interlocked.Exchange(ref _reconcileAgain, 0) != 0)
            {
                Reconcile(static _ => true);
            }
        }
    }

    /// <summary>The session's poll answered while the socket is down: reconcile every job with it.</summary>
    private void OnOutageSnapshot(QueueSnapshot snapshot)
    {
        if (_connected || _jobs.IsEmpty)
        {
            return;
        }

        _lastReconcile = ApplyQueueAsync(snapshot.Queue, snapshot.Stamp, -1, static _ => true, graceWhileConnected: false);
    }

    /// <summary>
    /// The session says the server is gone (socket closed, HTTP refused twice in a row), and ComfyUI keeps no queue
    /// across restarts: every prompt it had accepted died with it. Only prompts the server accepted and had not finished
    /// fail: a submission still on the wire fails by itself, one not sent yet is not lost, and a finished one completes
    /// with the outputs it has.
    /// </summary>
    private void OnVerdict(LivenessVerdict verdict)
    {
        if (verdict.State != Liveness.Dead)
        {
            return;
        }

        var lost = _jobs.Values.Where(j => j.IsAccepted && !j.IsTerminated && !j.IsFinishing).ToList();
        if (lost.Count == 0)
        {
            return;
        }

        JobLog.ServerStopped(_logger, _server, lost.Count);
        foreach (var job in lost)
        {
            if (job.TryCompleteAfterServerDeath())
            {
                continue;
            }

            var phase = job.WasSeenRunning ? "running" : "queued";
            job.Fail(new ComfyJobLostException(
                job.PromptId,
                $"The server at {_server} stopped while the prompt was {phase}: its socket closed and nothing listens on its port any more. " +
                $"ComfyUI keeps no queue across restarts, so prompt {job.PromptId} cannot have survived; retry to run it again.",
                verdict.Cause));
        }
    }

    /// <summary>Any answer proves something listens: refusals before it no longer count towards a stopped server.</summary>
    private void ServerAnswered() => _session.Liveness.Answered();

    private async Task ApplyQueueAsync(QueueState queue, long sequence, long epoch, Func<TrackedJob, bool> checkDeparted, bool graceWhileConnected)
    {
        var running = new HashSet<string>(queue.Running.Select(i => i.PromptId), StringComparer.Ordinal);
        var ours = false;
        foreach (var id in running)
        {
            if (_jobs.TryGetValue(id, out var runningJob))
            {
                ConfirmRunning(runningJob, epoch);
                ours = true;
            }
        }

        if (!ours)
        {
            ConfirmNotOurs(epoch);
        }

        var pending = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < queue.Pending.Count; i++)
        {
            pending.TryAdd(queue.Pending[i].PromptId, i);
        }

        List<TrackedJob>? departed = null;
        foreach (var job in _jobs.Values)
        {
            // Only jobs accepted before the snapshot was asked for can be judged by it.
            if (job.IsTerminated || !_acceptSequence.TryGetValue(job, out var accepted) || accepted > sequence)
            {
                continue;
            }

            if (pending.TryGetValue(job.PromptId, out var position))
            {
                job.OnQueuePosition(position);
            }
            else if (running.Contains(job.PromptId))
            {
                job.OnSeenRunning();
            }
            else if (checkDeparted(job))
            {
                (departed ??= []).Add(job);
            }
        }

        if (departed is not null)
        {
            await Task.WhenAll(departed.Select(j => CheckHistoryAsync(j, graceWhileConnected))).ConfigureAwait(false);
        }
    }

    private async Task CheckHistoryAsync(TrackedJob job, bool graceWhileConnected)
    {
        job.MarkReconciled();
        HistoryEntry? entry;
        await _historyReads.WaitAsync().ConfigureAwait(false);
        try
        {
            entry = await Api.GetHistoryEntryAsync(job.PromptId, CancellationToken.None).ConfigureAwait(false);
            ServerAnswered();
        }
        catch (Exception ex) when (ex is ComfyException or ObjectDisposedException)
        {
            return;
        }
        finally
        {
            _historyReads.Release();
        }

        if (entry is null)
        {
            if (!job.IsTerminated && job.OnMissing() >= MissingStrikesToFail)
            {
                job.Fail(new ComfyJobLostException(job.PromptId, _server));
            }

            return;
        }

        if (!graceWhileConnected || !_connected)
        {
            // Reconnects and silence: the frames of that run are gone, the history is all there is.
            job.CompleteFromHistory(entry);
            return;
        }

        // A queued job that left the queue while the socket is up: its frames (websocket images, the final executing) are probably just behind the history;
        // give them a moment and finish from the history only if they do not come.
        Scheduler.Schedule(HistoryGrace, () => job.CompleteFromHistory(entry));
    }

    private void ArmTick()
    {
        if (Interlocked.CompareExchange(ref _tickArmed, 1, 0) == 0)
        {
            Scheduler.Schedule(TickInterval, Tick);
        }
    }

    /// <summary>Once a second while jobs are in flight: poll while the socket is down, reconcile silent or missing jobs.</summary>
    private void Tick()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        if (_jobs.IsEmpty)
        {
            Volatile.Write(ref _tickArmed, 0);

            // A job added between the check and the reset would otherwise wait without a tick.
            if (!_jobs.IsEmpty)
            {
                ArmTick();
            }

            return;
        }

        if (_connected)
        {
            var now = Scheduler.Now.UtcTicks;
            if (_jobs.Values.Any(j => NeedsReconcile(j, now)))
            {
                Reconcile(j => NeedsReconcile(j, now));
            }
        }

        Scheduler.Schedule(TickInterval, Tick);
    }

    private static bool NeedsReconcile(TrackedJob job, long now)
    {
        if (job.MissingStrikes > 0)
        {
            return true;
        }

        var silence = job.Options.ReconcileAfterSilence.Ticks;
        return job.IsRunning && now - job.LastEventTicks >= silence && now - job.LastReconcileTicks >= silence;
    }
}

/// <summary>A submission ready to post, and the nodes expected to run or come from the cache.</summary>
internal sealed record PreparedPrompt(PromptRequest Request, HashSet<string> ExpectedNodes);
