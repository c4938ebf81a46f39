using ComfyUI.Reactive.Sessions;
using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.Jobs;

/// <summary>
/// The HTTP effects the jobs' runners ask for that take more than one call: cancelling exactly one prompt (delete or
/// interrupt by id, never a global interrupt), the start-timeout check that asks the server first, and completing from
/// the history.
/// </summary>
internal sealed class JobServerCalls(ServerSession session, JobRouter router, ILogger logger)
{
    private readonly List<Task> _cancellations = [];

    /// <summary>Resolves when every server cancellation and start-timeout check issued so far has finished (tests await
    /// it instead of sleeping).</summary>
    public Task WhenSentAsync()
    {
        lock (_cancellations)
        {
            return Task.WhenAll(_cancellations.ToArray());
        }
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

            JobLog.Cancelling(logger, job.PromptId, "delete", reason);
            await session.Api.DeleteFromQueueAsync([job.PromptId], CancellationToken.None).ConfigureAwait(false);

            // It may have started between our last news and the delete (a delete only removes pending prompts):
            // interrupt by id only if the server says it runs, so an old server that ignores the id is never hit blindly.
            var queue = await session.Api.GetQueueIdsAsync(CancellationToken.None).ConfigureAwait(false);
            if (queue.Running.Any(i => i.PromptId == job.PromptId))
            {
                await InterruptAsync(job, reason).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is ComfyException or ObjectDisposedException)
        {
            JobLog.CancelFailed(logger, job.PromptId, ex.GetType().Name, ex.Message);
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
        if (!await session.Facts.HonoursTargetedInterruptAsync().ConfigureAwait(false))
        {
            JobLog.CannotInterrupt(logger, job.PromptId, session.Server);
            return;
        }

        JobLog.Cancelling(logger, job.PromptId, "interrupt", reason);
        await session.Api.InterruptAsync(job.PromptId, CancellationToken.None).ConfigureAwait(false);
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

                JobLog.Cancelling(logger, job.PromptId, "delete", "it did not start within its start timeout");
                await session.Api.DeleteFromQueueAsync([job.PromptId], CancellationToken.None).ConfigureAwait(false);
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
            JobLog.CancelFailed(logger, job.PromptId, ex.GetType().Name, ex.Message);
            job.FailStartTimeout(limit, deleted: false, busy);
        }
    }

    /// <summary>Where the prompt is, and whether another prompt was running (the server busy, not stalled).</summary>
    private async Task<(StartVerdict Verdict, bool ServerBusy)> SettleStartAsync(TrackedJob job)
    {
        var epoch = router.ConfirmableEpoch();
        var queue = await session.Api.GetQueueIdsAsync(CancellationToken.None).ConfigureAwait(false);
        var busy = queue.Running.Any(i => i.PromptId != job.PromptId);
        if (job.IsTerminated)
        {
            return (StartVerdict.Settled, busy);
        }

        if (queue.Running.Any(i => i.PromptId == job.PromptId))
        {
            // The socket missed its start (or it is on its way): the job is running, not late.
            job.OnSeenRunning();
            router.ConfirmRunning(job, epoch);
            return (StartVerdict.Settled, busy);
        }

        if (queue.Pending.Any(i => i.PromptId == job.PromptId))
        {
            return (StartVerdict.Pending, busy);
        }

        if (await session.Api.GetHistoryEntryAsync(job.PromptId, CancellationToken.None).ConfigureAwait(false) is { } entry)
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
            var entry = await session.Api.GetHistoryEntryAsync(job.PromptId, CancellationToken.None).ConfigureAwait(false);
            if (entry is not null)
            {
                job.CompleteFromHistory(entry);
                return;
            }
        }
        catch (Exception ex) when (ex is ComfyException or ObjectDisposedException)
        {
            JobLog.HistoryFailed(logger, job.PromptId, ex.GetType().Name, ex.Message);
        }

        job.CompleteWithCollected();
    }
}
