using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Redis.Queue;
using ComfyUI.Reactive.Redis.Records;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Redis;

/// <summary>Intake: taking jobs while the leased servers have room, running them on the local pool, writing their
/// updates and their one end to Redis, and keeping held entries fresh so nobody reclaims a job that is only slow.</summary>
public sealed partial class RedisComfyPool
{
    private DateTimeOffset _nextReclaim;

    /// <summary>How many more jobs this process may hold: room on the servers it leases.</summary>
    private int Room => _draining ? 0 : (LeasedServers.Count * _options.Pool.ServerCapacity) - _held.Count;

    private async Task IntakeLoopAsync()
    {
        while (!Stopping)
        {
            var taken = 0;
            try
            {
                taken = await TakeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (IsRedisFault(ex))
            {
                RedisLog.RedisUnavailable(_logger, "queue read", ex.Message);
                await WaitAsync(_options.PollInterval * 4).ConfigureAwait(false);
                continue;
            }

            if (taken == 0)
            {
                await WaitAsync(_options.PollInterval, _queueSignals).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Takes what there is room for: entries of dead holders first (they waited longest), then new ones.</summary>
    private async Task<int> TakeAsync()
    {
        var room = Room;
        if (room <= 0)
        {
            return 0;
        }

        var entries = new List<QueueEntry>();
        if (_options.Scheduler.Now >= _nextReclaim)
        {
            _nextReclaim = _options.Scheduler.Now + _options.HeartbeatInterval;
            entries.AddRange(await _queue.ReclaimAsync(ProcessName, _options.ClaimIdle, room).ConfigureAwait(false));
        }

        if (entries.Count < room)
        {
            entries.AddRange(await _queue.ReadAsync(ProcessName, room - entries.Count).ConfigureAwait(false));
        }

        foreach (var entry in entries)
        {
            _ = HandleAsync(entry);
        }

        return entries.Count;
    }

    private async Task HeartbeatLoopAsync()
    {
        while (!Stopping)
        {
            await WaitAsync(_options.HeartbeatInterval).ConfigureAwait(false);
            try
            {
                var held = _held.Values.ToList();
                var lost = await _queue.RefreshAsync(ProcessName, [.. held.Select(h => (h.Entry.Stream, h.Entry.Id))]).ConfigureAwait(false);
                // An ended job is acknowledged before it is released: it is not lost, only finished.
                foreach (var job in held.Where(h => !h.Ended && lost.Contains(h.Entry.Id)))
                {
                    // Another process reclaimed it while this one stalled and re-attaches to its prompt: stop writing
                    // for it, and let the prompt run (cancelling it would waste the work the other process collects).
                    RedisLog.HandingOver(_logger, job.Id);
                    job.Ended = true;
                    Release(job);
                }
            }
            catch (Exception ex) when (IsRedisFault(ex))
            {
                RedisLog.RedisUnavailable(_logger, "heartbeat", ex.Message);
            }
        }
    }

    private async Task HandleAsync(QueueEntry entry)
    {
        if (entry.Job is not { } job)
        {
            await DeadLetterAsync(entry, "malformed entry: no valid job payload").ConfigureAwait(false);
            return;
        }

        var held = new HeldJob(entry, job);
        if (!_held.TryAdd(job.JobId, held))
        {
            // Delivered again while this process still runs it (reclaimed from ourselves): the run goes on.
            return;
        }

        try
        {
            var taken = await _store.TakeAsync(job.JobId, ProcessName).ConfigureAwait(false);
            if (taken.Status == "missing")
            {
                Release(held);
                await DeadLetterAsync(entry, "no job record (expired or never written)").ConfigureAwait(false);
            }
            else if (taken.IsFinished)
            {
                // Its end was recorded but the acknowledgement was lost (the holder died in between).
                await EndAsync(held, terminal: null).ConfigureAwait(false);
            }
            else if (taken.CancelRequested)
            {
                await EndAsync(held, UpdateCodec.Failure(new OperationCanceledException("The job was cancelled."), taken.PromptId, taken.Server)).ConfigureAwait(false);
            }
            else if (taken.Deliveries > _options.MaxDeliveries)
            {
                // Poison: it stalled or killed every process that took it. Its record ends, its entry goes to the dead letters.
                var reason = $"taken {taken.Deliveries} times without finishing";
                held.Ended = true;
                var terminal = UpdateCodec.Failure(new ComfyException($"The job was dead-lettered: {reason}."), taken.PromptId, taken.Server);
                await RetryAsync(() => _store.FinishAsync(job.JobId, terminal), "job end", keep: true).ConfigureAwait(false);
                await DeadLetterAsync(entry, reason).ConfigureAwait(false);
                Release(held);
            }
            else if (taken is { Server: { } server, PromptId: { } promptId } && await ReattachAsync(held, server, promptId).ConfigureAwait(false))
            {
                // Collected or failed from the server's own record of the prompt: no second run.
            }
            else if (!held.Ended && !Stopping)
            {
                Run(held);
            }
        }
#pragma warning disable CA1031 // One job's failure to be handled must never stop the worker; its entry is reclaimed later.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RedisLog.HandlingFailed(_logger, job.JobId, ex.Message);
            Release(held);
        }
    }

    /// <summary>Runs the job on the local pool; its updates go to Redis in order, its end once.</summary>
    private void Run(HeldJob held)
    {
        var job = held.Job;
        PoolJob run;
        try
        {
            var workflow = Workflow.Parse(job.Workflow);
            foreach (var (alias, nodeId) in job.Aliases)
            {
                workflow = workflow.Output(alias, nodeId);
            }

            run = _pool.Run(workflow, new PoolJobOptions
            {
                Priority = job.Priority,
                Tags = job.Tags,
                MaxAttempts = job.MaxAttempts,
                RetryWorkflowFailures = job.RetryWorkflowFailures,
                Labels = job.Labels,
                Job = _options.Job,
                BeforeSubmit = (server, promptId, _) => RecordAttemptAsync(held, server, promptId),
            });
        }
#pragma warning disable CA1031 // A job that cannot even be built (bad workflow JSON) is this job's failure, not the worker's.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            held.Post(() => EndAsync(held, UpdateCodec.Failure(ex, null, null)), Failed(held));
            return;
        }

        held.Subscription = run.Subscribe(
            update => held.Post(() => OnUpdateAsync(held, update), Failed(held)),
            error => held.Post(() => error is ComfyNoCapableServerException ? HandBackAsync(held) : EndAsync(held, UpdateCodec.Failure(error, null, null)), Failed(held)),
            () => { });
    }

    /// <summary>Records the attempt's prompt before it is posted, retrying while Redis is away: a prompt that reaches a
    /// server is always findable by a process that re-attaches. Leaving, it stops the attempt instead (nothing posted).</summary>
    private async Task RecordAttemptAsync(HeldJob held, ServerId server, string promptId)
    {
        await RetryAsync(() => _store.RecordAttemptAsync(held.Id, server.Value, promptId), "attempt record", keep: true).ConfigureAwait(false);
        if (Stopping || held.Ended)
        {
            throw new OperationCanceledException("The distributed pool is leaving or the job ended: the prompt is not posted.");
        }
    }

    private async Task OnUpdateAsync(HeldJob held, JobUpdate update)
    {
        if (held.Ended || Stopping || UpdateCodec.Encode(update) is not { } stored)
        {
            return;
        }

        if (stored.IsTerminal)
        {
            await EndAsync(held, stored).ConfigureAwait(false);
            return;
        }

        // An update that names the attempt's prompt must reach Redis (a re-attach needs it); progress may be dropped.
        var mustKeep = stored.Kind is StoredUpdate.Queued or StoredUpdate.Started or StoredUpdate.AttemptFailed;
        await RetryAsync(() => _store.AppendAsync(held.Id, stored), "job update", mustKeep).ConfigureAwait(false);
    }

    /// <summary>Records the job's end (null: already recorded), then acknowledges its entry; retried while Redis is away,
    /// so no end is lost. Nothing is written once this process is leaving: the job is handed over.</summary>
    private async Task EndAsync(HeldJob held, StoredUpdate? terminal)
    {
        if (held.Ended || Stopping)
        {
            return;
        }

        held.Ended = true;
        if (terminal is not null)
        {
            await RetryAsync(() => _store.FinishAsync(held.Id, terminal), "job end", keep: true).ConfigureAwait(false);
        }

        await RetryAsync(() => _queue.AckAsync(held.Entry.Stream, held.Entry.Id), "acknowledgement", keep: true).ConfigureAwait(false);
        Release(held);
    }

    /// <summary>
    /// None of the servers this process drives (now) can run the job — it lost a lease, or other processes hold the
    /// capable servers: the job goes back to the queue for another process instead of failing. Its deliveries stay
    /// counted, so a job that no process can run ends as poison after <see cref="RedisPoolOptions.MaxDeliveries"/>.
    /// </summary>
    private async Task HandBackAsync(HeldJob held)
    {
        if (held.Ended || Stopping)
        {
            return;
        }

        held.Ended = true;
        await RetryAsync(() => _queue.HandBackAsync(held.Entry, t => _store.Requeue(t, held.Id)), "hand back", keep: true).ConfigureAwait(false);
        Release(held);
    }

    private Action<Exception> Failed(HeldJob held) => ex => RedisLog.HandlingFailed(_logger, held.Id, ex.Message);

    private async Task DeadLetterAsync(QueueEntry entry, string reason)
    {
        RedisLog.DeadLettered(_logger, entry.Id.ToString(), entry.Stream.ToString(), reason);
        await RetryAsync(() => _queue.DeadLetterAsync(entry, reason), "dead letter", keep: true).ConfigureAwait(false);
    }

    private void Release(HeldJob held)
    {
        _held.TryRemove(held.Id, out _);
        lock (_held)
        {
            if (_held.IsEmpty && _drained is { } drained)
            {
                _drained = null;
                drained.TrySetResult();
            }
        }

        Signal(_queueSignals, "room");
    }

    private void OnCancelSignal(string jobId)
    {
        if (_held.TryGetValue(jobId, out var held))
        {
            // Disposing the run cancels the prompt on its server (delete if queued, interrupt by id if running).
            held.Subscription?.Dispose();
            held.Post(() => EndAsync(held, UpdateCodec.Failure(new OperationCanceledException("The job was cancelled."), null, null)), Failed(held));
        }
    }

    /// <summary>Runs a Redis write, retrying while Redis is unreachable when <paramref name="keep"/> (until this process
    /// leaves); otherwise one try.</summary>
    private async Task RetryAsync(Func<Task> write, string what, bool keep)
    {
        while (true)
        {
            try
            {
                await write().ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (IsRedisFault(ex))
            {
                RedisLog.RedisUnavailable(_logger, what, ex.Message);
                if (!keep || Stopping)
                {
                    return;
                }

                await WaitAsync(_options.PollInterval * 2).ConfigureAwait(false);
            }
        }
    }
}
