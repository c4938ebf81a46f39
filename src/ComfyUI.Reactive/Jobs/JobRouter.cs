using System.Collections.Concurrent;
using System.Reactive.Concurrency;
using ComfyUI.Reactive.Events;

namespace ComfyUI.Reactive.Jobs;

/// <summary>
/// Delivers each server event to its job by <c>prompt_id</c> (a dictionary lookup, not a filter per job), and frames
/// without a prompt id only by confirmed context: the job this client's server runs, known from an event of its prompt
/// on the current connection or a <c>GET /queue</c> asked for after the current connection was made. Anything ambiguous
/// is dropped, never mis-attributed. Socket thread, one event at a time.
/// </summary>
/// <remarks>
/// Finished jobs leave the router at once (<see cref="Unregister"/>), so a late frame of a finished prompt finds no job and
/// is dropped: it can never complete, fail or advance another job. While a submission awaits its answer, events of
/// unknown prompts are held (bounded) for a server that names its own prompt id in that answer (<see cref="Rekey"/>).
/// </remarks>
internal sealed class JobRouter(IScheduler scheduler, Action statusSeen)
{
    // Events whose prompt id matched no job, kept while a submission awaits its answer: a server older than 2025-07-14
    // ignores the client's prompt id and names the prompt in its answer, after its first events may have arrived.
    internal const int MaxUnmatchedEvents = 4096;
    private static readonly TimeSpan UnmatchedEventLifetime = TimeSpan.FromSeconds(5);

    private readonly IScheduler _scheduler = scheduler;
    private readonly Action _statusSeen = statusSeen;
    private readonly ConcurrentDictionary<string, TrackedJob> _jobs = new(StringComparer.Ordinal);
    private readonly object _unmatchedGate = new();
    private readonly Queue<HeldEvent> _unmatched = new();

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

    /// <summary>The jobs in flight.</summary>
    public ICollection<TrackedJob> Jobs => _jobs.Values;

    public int Count => _jobs.Count;

    public bool IsEmpty => _jobs.IsEmpty;

    public bool Connected => _connected;

    public bool EverConnected => _everConnected;

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

    public bool TryGet(string promptId, out TrackedJob job) => _jobs.TryGetValue(promptId, out job!);

    /// <summary>Registers a job under its prompt id, before anything is sent (subscribe before submit).</summary>
    public void Register(TrackedJob job) => _jobs[job.PromptId] = job;

    /// <summary>A job ended: it leaves the router, so late frames of its prompt find nothing.</summary>
    public void Unregister(TrackedJob job)
    {
        _jobs.TryRemove(new KeyValuePair<string, TrackedJob>(job.PromptId, job));
#pragma warning disable CS0420 // Interlocked on a volatile field is fine: Interlocked is a full fence.
        Interlocked.CompareExchange(ref _running, null, job);
#pragma warning restore CS0420
    }

    /// <summary>The socket connected. Returns whether it was a reconnect.</summary>
    public bool OnConnected()
    {
        var reconnected = _everConnected && !_connected;
        Interlocked.Increment(ref _connectionEpoch);
        _connected = true;
        _everConnected = true;
        return reconnected;
    }

    /// <summary>The socket dropped: what runs after the outage is unknown until confirmed again. Returns whether it was up.</summary>
    public bool OnDisconnected()
    {
        if (!_connected)
        {
            return false;
        }

        _connected = false;
        Interlocked.Increment(ref _connectionEpoch);
        _running = null;
        _heldReplay = null;
        return true;
    }

    public void OnEvent(ComfyEvent e)
    {
        switch (e)
        {
            case StatusEvent:
                _statusSeen();
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

                _unmatched.Enqueue(new HeldEvent(_scheduler.Now.UtcTicks, e));
            }

            return false;
        }
    }

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
    public bool Rekey(TrackedJob job, string serverPromptId)
    {
        var clientPromptId = job.PromptId;
        lock (_unmatchedGate)
        {
            if (_jobs.TryGetValue(serverPromptId, out var other) && other != job)
            {
                // Another of our jobs has that id already; the server cannot mean it. Keep routing by ours.
                return false;
            }

            var oldest = _scheduler.Now.UtcTicks - UnmatchedEventLifetime.Ticks;
            var replayRunning = false;
            for (var i = _unmatched.Count; i > 0; i--)
            {
                var held = _unmatched.Dequeue();
                var (ticks, e) = held;
                if (e.PromptId != serverPromptId)
                {
                    _unmatched.Enqueue(held);
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

        return true;
    }

    /// <summary>The epoch a /queue snapshot asked for now may confirm, or -1 while disconnected (it confirms nothing).</summary>
    public long ConfirmableEpoch() => _connected ? Interlocked.Read(ref _connectionEpoch) : -1;

    /// <summary>A /queue snapshot of the current connection says <paramref name="job"/> runs: id-less frames are its.</summary>
    public void ConfirmRunning(TrackedJob job, long epoch)
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
    public void ConfirmNotOurs(long epoch)
    {
        if (epoch >= 0 && epoch == Interlocked.Read(ref _connectionEpoch) && _running is null)
        {
            _heldReplay = null;
        }
    }

    /// <summary>An event kept for a possible re-key, with when it arrived. A class, not a tuple: a queue of it shares the
    /// framework's precompiled code (see <c>SharedGenericCodeTests</c>).</summary>
    private sealed record HeldEvent(long Ticks, ComfyEvent Event);
}
