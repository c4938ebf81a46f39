using System.Reactive;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace ComfyUI.Reactive.Jobs;

/// <summary>Awaiting and enumerating a job observable, shared by <see cref="ComfyJob"/> and <c>PoolJob</c> so that both
/// behave the same way.</summary>
internal static class JobConsumption
{
    /// <summary>Subscribes once and completes with the <see cref="JobCompleted"/> result, the job's error, or cancellation
    /// (which disposes the subscription, cancelling the job).</summary>
    public static Task<JobResult> ToTask(IObservable<JobUpdate> job, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var completion = new TaskCompletionSource<JobResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        JobResult? result = null;
        var subscription = job.Subscribe(Observer.Create<JobUpdate>(
            u => result = (u as JobCompleted)?.Result ?? result,
            e => completion.TrySetException(e),
            () =>
            {
                if (result is not null)
                {
                    completion.TrySetResult(result);
                }
                else
                {
                    completion.TrySetException(new InvalidOperationException("The job completed without a result."));
                }
            }));
        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() =>
            {
                subscription.Dispose();
                completion.TrySetCanceled(cancellationToken);
            });
            _ = completion.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return completion.Task;
    }

    /// <summary>The updates as a bounded async stream (see <see cref="ComfyJob.ToAsyncEnumerable"/>).</summary>
    public static IAsyncEnumerable<JobUpdate> ToAsyncEnumerable(IObservable<JobUpdate> job, int capacity, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        return ReadAsync(job, capacity, cancellationToken);
    }

    private static async IAsyncEnumerable<JobUpdate> ReadAsync(
        IObservable<JobUpdate> job, int capacity, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<JobUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var waitingLossy = 0;
        using var subscription = job.Subscribe(Observer.Create<JobUpdate>(
            u =>
            {
                if (IsLossy(u) && Interlocked.Increment(ref waitingLossy) > capacity)
                {
                    Interlocked.Decrement(ref waitingLossy);
                    return;
                }

                channel.Writer.TryWrite(u);
            },
            e => channel.Writer.TryComplete(e),
            () => channel.Writer.TryComplete()));

        await foreach (var update in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (IsLossy(update))
            {
                Interlocked.Decrement(ref waitingLossy);
            }

            yield return update;
        }
    }

    // The final progress (fraction 1, once per job) is kept: a bar driven by the stream must reach the end.
    private static bool IsLossy(JobUpdate update) => update is JobProgress { Fraction: < 1 } or JobPreview or JobQueued or JobText;
}
