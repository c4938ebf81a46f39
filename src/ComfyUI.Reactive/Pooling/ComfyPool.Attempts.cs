using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Workflows;
using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.Pooling;

/// <summary>Attempts: one attempt of a job on one server, its failures and the job's one outcome.</summary>
public sealed partial class ComfyPool
{
    /// <summary>The scheduler's attempt seam: runs one attempt of a job on one server as a job of that server's client.</summary>
    private IObservable<AttemptOutcome> StartAttempt(PoolWorkItem item, ServerId serverId) =>
        Volatile.Read(ref _submitting) == 0 ? Observable.Never<AttemptOutcome>() : Observable.Create<AttemptOutcome>(observer =>
        {
            var server = Find(serverId);
            if (!_runs.TryGetValue(item.Id, out var run) || server is null)
            {
                observer.OnError(new ComfyConnectionException($"The attempt on '{serverId}' could not start: the job or the server left the pool."));
                return Disposable.Empty;
            }

            var attempt = new object();
            if (!run.BeginAttempt(attempt))
            {
                // The caller left; the scheduler has cancelled (or is cancelling) the item and ignores this report.
                observer.OnError(new OperationCanceledException("The job was cancelled."));
                return Disposable.Empty;
            }

            var stop = new CancellationDisposable();
            JobResult? result = null;
            IDisposable subscription;
            try
            {
                var options = run.Options.BeforeSubmit is { } before
                    ? run.Options.Job.WithBeforeSubmit((promptId, ct) => before(serverId, promptId, ct))
                    : run.Options.Job;
                var job = server.Run(run.Workflow, options);
                subscription = job.Subscribe(
                    update =>
                    {
                        if (update is JobCompleted completed)
                        {
                            // Held back: the caller gets the result only if the scheduler accepts this attempt's success.
                            result = completed.Result;
                        }
                        else
                        {
                            run.Forward(attempt, update with { Server = serverId });
                        }
                    },
                    error => _ = ReportFailureAsync(server, item, run, attempt, error, observer, stop.Token),
                    () =>
                    {
                        if (result is null)
                        {
                            observer.OnError(new ComfyConnectionException($"The job on '{serverId}' ended without a result."));
                        }
                        else
                        {
                            observer.OnNext(AttemptOutcome.SuccessWith(result));
                        }
                    });
            }
#pragma warning disable CA1031 // A failure to start is this attempt's failure, classified like any other.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                run.EndAttempt(attempt);
                observer.OnError(ex);
                return Disposable.Empty;
            }

            return Disposable.Create(() =>
            {
                run.EndAttempt(attempt);
                stop.Dispose();
                subscription.Dispose();
            });
        });

    /// <summary>
    /// Reports a failed attempt after making moving the job safe or right: a timed-out prompt is deleted from the old server
    /// first (so at most one copy runs), and a rejected prompt makes the pool re-read that server's capabilities — if the
    /// server turns out to lack what the job needs, the failure is the server's (the job moves on), not the workflow's.
    /// </summary>
    private async Task ReportFailureAsync(
        PoolServer server, PoolWorkItem item, PoolJobRun run, object attempt, Exception error, IObserver<AttemptOutcome> observer, CancellationToken abandoned)
    {
        var reported = error;
        if (server.Client is not null)
        {
            try
            {
                if (error is ComfyTimeoutException)
                {
                    // The job layer registered the deletion (or interrupt) before it reported the timeout.
                    await WithinAsync(server.WhenCancellationsSentAsync(), CleanupBound).ConfigureAwait(false);
                }
                else if (error is ComfyPromptValidationException or ComfyWorkflowException && !abandoned.IsCancellationRequested)
                {
                    var capabilities = await FetchCapabilitiesAsync(server).WaitAsync(abandoned).ConfigureAwait(false);
                    if (capabilities is not null && CapabilityMatcher.Match(item.Requirements, capabilities) is { CanRun: false } match)
                    {
                        reported = new ComfyNoCapableServerException(
                            new Dictionary<ServerId, string> { [server.Id] = match.Reason });
                    }
                }
            }
            catch (OperationCanceledException) when (abandoned.IsCancellationRequested)
            {
                // Abandoned meanwhile (server dead or removed, job cancelled): the scheduler ignores this report anyway.
            }
        }

        observer.OnNext(AttemptOutcome.Failure(reported, run.PromptIdOf(attempt)));
    }

    /// <summary>Tells the job's subscriber (and the log) that an attempt ended without the result, and what happens next.</summary>
    private void OnAttemptFailed(AttemptFailure failure)
    {
        if (!_runs.TryGetValue(failure.ItemId, out var run))
        {
            return;
        }

        var promptId = failure.PromptId ?? run.LastPromptId ?? string.Empty;
        if (_logger.IsEnabled(LogLevel.Information))
        {
            var next = !failure.WillRetry ? "the job fails"
                : FailureClassifier.IsBusyWait(failure.Error) ? "queued again without counting the attempt (the server was busy)"
                : "queued again";
            var errorType = failure.Error.GetType().Name;
            PoolLog.AttemptFailed(_logger, failure.Attempt, run.Id, run.LabelsText, failure.Server, promptId, errorType, failure.Error.Message, next);
        }

        run.Notify(new JobAttemptFailed(promptId, failure.Attempt, failure.Error, failure.WillRetry) { Server = failure.Server });
    }

    private void OnOutcome(PoolJobRun run, PoolItemOutcome outcome)
    {
        _runs.TryRemove(run.Id, out _);
        switch (outcome.Status)
        {
            case PoolItemStatus.Succeeded when outcome.Result is { } result && outcome.Server is { } server:
                var timed = result.WithPool(new PoolTimings(server, outcome.Attempts, outcome.WaitTime, outcome.RunTime));
                run.Finish(new JobCompleted(result.PromptId, timed) { Server = server }, null);
                break;
            case PoolItemStatus.Failed:
                run.Finish(null, outcome.Error ?? new ComfyException("The job failed."));
                break;
            default:
                // Cancelled: by its subscriber (who hears nothing more) or by the pool's disposal.
                run.Finish(null, PoolDisposed());
                break;
        }
    }

    /// <summary>Waits for <paramref name="task"/> at most <paramref name="bound"/> on the pool's clock.</summary>
    private async Task WithinAsync(Task task, TimeSpan bound)
    {
        using var cts = new CancellationTokenSource();
        var timer = Observable.Timer(bound, _options.Scheduler).ToTask(cts.Token);
        await Task.WhenAny(task, timer).ConfigureAwait(false);
        await cts.CancelAsync().ConfigureAwait(false);
    }
}
