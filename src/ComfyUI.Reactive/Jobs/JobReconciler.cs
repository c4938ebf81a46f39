using System.Collections.Concurrent;
using System.Reactive.Concurrency;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Sessions;
using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.Jobs;

/// <summary>
/// Keeps the jobs true to the server, which is the truth (the socket is an accelerator): queue positions from one shared,
/// throttled <c>GET /queue</c>; reconciliation with <c>/queue</c> and <c>/history/{id}</c> after reconnects, after
/// silence and (from the session's polls) during outages; and the session's dead verdict, which fails the prompts the
/// server had accepted.
/// </summary>
#pragma warning disable CA1001 // The history-read semaphore holds no wait handle; disposing it could fault reads still in flight.
internal sealed class JobReconciler(ServerSession session, JobRouter router, ILogger logger)
#pragma warning restore CA1001
{
    private static readonly TimeSpan QueueRefreshInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan HistoryGrace = TimeSpan.FromSeconds(1);
    private const int MissingStrikesToFail = 2;

    private readonly IScheduler _scheduler = session.Scheduler;
    private readonly ConcurrentDictionary<TrackedJob, long> _acceptSequence = new();
    private readonly SemaphoreSlim _historyReads = new(4, 4);
    private int _tickArmed;
    private int _reconciling;
    private int _reconcileAgain;
    private int _queueRefreshArmed;
    private long _lastQueueRefreshTicks = long.MinValue;
    private Task _lastReconcile = Task.CompletedTask;

    /// <summary>Jobs accepted and not yet ended (their acceptance stamps).</summary>
    public int Accepted => _acceptSequence.Count;

    /// <summary>Set when the tracker is disposed: the tick stops.</summary>
    public bool Disposed { get; set; }

    /// <summary>A job ended: forget its acceptance.</summary>
    public void Forget(TrackedJob job) => _acceptSequence.TryRemove(job, out _);

    public void OnJobAccepted(TrackedJob job)
    {
        _acceptSequence[job] = session.Stamp();
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

    public void RequestQueueRefresh()
    {
        if (router.IsEmpty || Interlocked.CompareExchange(ref _queueRefreshArmed, 1, 0) != 0)
        {
            return;
        }

        var last = Volatile.Read(ref _lastQueueRefreshTicks);
        var due = last == long.MinValue
            ? TimeSpan.Zero
            : TimeSpan.FromTicks(Math.Max(0, last + QueueRefreshInterval.Ticks - _scheduler.Now.UtcTicks));
        _scheduler.Schedule(due, () => _ = RefreshQueueAsync());
    }

    private Task RefreshQueueAsync()
    {
        Volatile.Write(ref _lastQueueRefreshTicks, _scheduler.Now.UtcTicks);
        Volatile.Write(ref _queueRefreshArmed, 0);

        // A queued job missing from the queue finished quickly or was deleted by someone else: ask the history.
        return ReadAndApplyQueueAsync(static j => j.IsQueued, graceWhileConnected: true);
    }

    /// <summary>Reads <c>/queue</c> and applies it to the jobs <paramref name="which"/> selects. A failed read is left to
    /// the next tick (or, while the socket is down, to the session's poll).</summary>
    private async Task ReadAndApplyQueueAsync(Func<TrackedJob, bool> which, bool graceWhileConnected)
    {
        var sequence = session.Stamp();
        var epoch = router.ConfirmableEpoch();
        QueueState queue;
        try
        {
            queue = await session.Api.GetQueueIdsAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ComfyException or ObjectDisposedException)
        {
            return;
        }

        ServerAnswered();
        await ApplyQueueAsync(queue, sequence, epoch, which, graceWhileConnected).ConfigureAwait(false);
    }

    public void Reconcile(Func<TrackedJob, bool> which)
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
        await session.Liveness.LastPoll.ConfigureAwait(false);
        await Volatile.Read(ref _lastReconcile).ConfigureAwait(false);
    }

    private async Task ReconcileAsync(Func<TrackedJob, bool> which)
    {
        try
        {
            await ReadAndApplyQueueAsync(which, graceWhileConnected: false).ConfigureAwait(false);
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
    public void OnOutageSnapshot(QueueSnapshot snapshot)
    {
        if (router.Connected || router.IsEmpty)
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
    public void OnVerdict(LivenessVerdict verdict)
    {
        if (verdict.State != Liveness.Dead)
        {
            return;
        }

        var lost = router.Jobs.Where(j => j.IsAccepted && !j.IsTerminated && !j.IsFinishing).ToList();
        if (lost.Count == 0)
        {
            return;
        }

        JobLog.ServerStopped(logger, session.Server, lost.Count);
        foreach (var job in lost)
        {
            if (job.TryCompleteAfterServerDeath())
            {
                continue;
            }

            var phase = job.WasSeenRunning ? "running" : "queued";
            job.Fail(new ComfyJobLostException(
                job.PromptId,
                $"The server at {session.Server} stopped while the prompt was {phase}: its socket closed and nothing listens on its port any more. " +
                $"ComfyUI keeps no queue across restarts, so prompt {job.PromptId} cannot have survived; retry to run it again.",
                verdict.Cause));
        }
    }

    /// <summary>Any answer proves something listens: refusals before it no longer count towards a stopped server.</summary>
    private void ServerAnswered() => session.Liveness.Answered();

    private async Task ApplyQueueAsync(QueueState queue, long sequence, long epoch, Func<TrackedJob, bool> checkDeparted, bool graceWhileConnected)
    {
        var running = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < queue.Running.Count; i++)
        {
            running.Add(queue.Running[i].PromptId);
        }

        var ours = false;
        foreach (var id in running)
        {
            if (router.TryGet(id, out var runningJob))
            {
                router.ConfirmRunning(runningJob, epoch);
                ours = true;
            }
        }

        if (!ours)
        {
            router.ConfirmNotOurs(epoch);
        }

        var pending = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < queue.Pending.Count; i++)
        {
            pending.TryAdd(queue.Pending[i].PromptId, i);
        }

        List<TrackedJob>? departed = null;
        foreach (var job in router.Jobs)
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
            entry = await session.Api.GetHistoryEntryAsync(job.PromptId, CancellationToken.None).ConfigureAwait(false);
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
                job.Fail(new ComfyJobLostException(job.PromptId, session.Server));
            }

            return;
        }

        if (!graceWhileConnected || !router.Connected)
        {
            // Reconnects and silence: the frames of that run are gone, the history is all there is.
            job.CompleteFromHistory(entry);
            return;
        }

        // A queued job that left the queue while the socket is up: its frames (websocket images, the final executing) are probably just behind the history;
        // give them a moment and finish from the history only if they do not come.
        _scheduler.Schedule(HistoryGrace, () => job.CompleteFromHistory(entry));
    }

    public void ArmTick()
    {
        if (Interlocked.CompareExchange(ref _tickArmed, 1, 0) == 0)
        {
            _scheduler.Schedule(TickInterval, Tick);
        }
    }

    /// <summary>Once a second while jobs are in flight: poll while the socket is down, reconcile silent or missing jobs.</summary>
    private void Tick()
    {
        if (Disposed)
        {
            return;
        }

        if (router.IsEmpty)
        {
            Volatile.Write(ref _tickArmed, 0);

            // A job added between the check and the reset would otherwise wait without a tick.
            if (!router.IsEmpty)
            {
                ArmTick();
            }

            return;
        }

        if (router.Connected)
        {
            var now = _scheduler.Now.UtcTicks;
            if (router.Jobs.Any(j => NeedsReconcile(j, now)))
            {
                Reconcile(j => NeedsReconcile(j, now));
            }
        }

        _scheduler.Schedule(TickInterval, Tick);
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
