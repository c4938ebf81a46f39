using System.Runtime.CompilerServices;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Jobs;

/// <summary>
/// A workflow to run on a server, as a <b>cold</b> observable of <see cref="JobUpdate"/>s: nothing happens until it is
/// subscribed (or awaited); then it submits, streams what happens to that prompt, and ends exactly once —
/// <c>OnCompleted</c> right after <see cref="JobCompleted"/>, or <c>OnError</c> with a typed exception.
/// </summary>
/// <remarks>
/// <para><b>Every subscription, and every <c>await</c>, is a new submission</b> with a new prompt id. To watch one run
/// from several places, share it: <c>var shared = job.Replay(); shared.Connect();</c> (or <c>Publish().RefCount()</c>).</para>
/// <para><b>Disposing the subscription cancels the server job</b>: deleted from the queue if it waits, interrupted by its
/// prompt id if it runs. Nothing else on the server is touched.</para>
/// <para><b>Threading.</b> Updates arrive on the socket's receive thread (or a thread-pool or scheduler thread for
/// results read from the history and for timeouts), one at a time, never concurrently. Do not block in the callbacks;
/// use <c>ObserveOn</c> to move work elsewhere.</para>
/// </remarks>
public sealed class ComfyJob : IObservable<JobUpdate>
{
    private readonly Func<JobTracker> _tracker;

    internal ComfyJob(Func<JobTracker> tracker, Workflow workflow, JobOptions options)
    {
        _tracker = tracker;
        Workflow = workflow;
        Options = options;
    }

    /// <summary>The workflow each subscription submits (seeds of <c>-1</c> are drawn fresh per submission).</summary>
    public Workflow Workflow { get; }

    /// <summary>The options of each submission.</summary>
    public JobOptions Options { get; }

    /// <summary>Submits the workflow and streams its updates to <paramref name="observer"/>; dispose to cancel the job.</summary>
    /// <param name="observer">Receives the updates, then exactly one of <c>OnCompleted</c> or <c>OnError</c>.</param>
    /// <returns>Disposing it cancels the job on the server (if it has not ended) and stops the updates.</returns>
    /// <remarks>A job of a disposed client fails with <see cref="ObjectDisposedException"/> through <c>OnError</c>.</remarks>
    public IDisposable Subscribe(IObserver<JobUpdate> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        JobTracker tracker;
        try
        {
            tracker = _tracker();
        }
        catch (ObjectDisposedException ex)
        {
            // The Rx contract: a subscription's failure goes to OnError, never out of Subscribe.
            observer.OnError(ex);
            return System.Reactive.Disposables.Disposable.Empty;
        }

        return tracker.Track(Workflow, Options, observer);
    }

    /// <summary>Submits the workflow (a new submission per call) and waits for the result.</summary>
    /// <param name="cancellationToken">Cancels the job on the server; the task then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The result.</returns>
    public Task<JobResult> ToTask(CancellationToken cancellationToken = default) => JobConsumption.ToTask(this, cancellationToken);

    /// <summary>Submits the workflow (a new submission per <c>await</c>) and waits for its result.</summary>
    /// <returns>The awaiter of <see cref="ToTask"/>.</returns>
    public TaskAwaiter<JobResult> GetAwaiter() => ToTask().GetAwaiter();

    /// <summary>
    /// Submits the workflow and returns its updates as an async stream; the stream ends after <see cref="JobCompleted"/> or
    /// throws the job's exception. Breaking out of the loop or cancelling cancels the job on the server.
    /// </summary>
    /// <remarks>
    /// <b>Bounded.</b> Updates wait in a first-in, first-out buffer while the consumer is busy; the job itself never
    /// waits for the consumer. Lossy updates (<see cref="JobProgress"/> before the final one, <see cref="JobPreview"/>,
    /// <see cref="JobQueued"/>, <see cref="JobText"/>) are admitted while fewer than <paramref name="capacity"/> of them
    /// are waiting; one that arrives while <paramref name="capacity"/> are waiting is dropped (the newest is dropped, the
    /// waiting ones stay, so order is kept). The others (<see cref="JobStarted"/>, <see cref="JobCached"/>,
    /// <see cref="JobNodeStarted"/>, <see cref="JobNodeOutput"/>, the final <see cref="JobProgress"/> with fraction 1,
    /// <see cref="JobCompleted"/>) are never dropped; their number is bounded by the size of the graph.
    /// </remarks>
    /// <param name="capacity">How many lossy updates may wait; default 64.</param>
    /// <param name="cancellationToken">Cancels the job and the enumeration.</param>
    /// <returns>The updates.</returns>
    public IAsyncEnumerable<JobUpdate> ToAsyncEnumerable(int capacity = 64, CancellationToken cancellationToken = default) =>
        JobConsumption.ToAsyncEnumerable(this, capacity, cancellationToken);
}
