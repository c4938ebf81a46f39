using System.Runtime.CompilerServices;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Pooling;

/// <summary>
/// A workflow to run on whichever server of a <see cref="ComfyPool"/> can take it, as a <b>cold</b> observable of
/// <see cref="JobUpdate"/>s — the same contract as <see cref="ComfyJob"/>: nothing happens until it is subscribed (or
/// awaited); every subscription is a new job; it ends exactly once, <c>OnCompleted</c> right after
/// <see cref="JobCompleted"/> or <c>OnError</c> with a typed exception.
/// </summary>
/// <remarks>
/// <para><b>Updates</b> carry <see cref="JobUpdate.Server"/>. When an attempt fails through its server's fault (the server
/// died, a timeout, a lost prompt), the job goes back to the pool's queue and runs again elsewhere: its updates then
/// start again (<see cref="JobQueued"/>, <see cref="JobStarted"/>, progress from 0) with another prompt id and server.
/// Only the attempt that produces the result delivers <see cref="JobCompleted"/>; its <see cref="JobResult.Pool"/> says
/// where it ran, after how many attempts, and how long it waited.</para>
/// <para><b>Disposing the subscription</b> removes the job from the pool's queue if it waits there, or cancels the running
/// attempt on its server (queue delete or targeted interrupt, as for one client).</para>
/// <para><b>Threading.</b> Updates arrive one at a time, on the thread of the server's socket, a thread-pool thread or a
/// scheduler thread. Do not block in the callbacks.</para>
/// </remarks>
public sealed class PoolJob : IObservable<JobUpdate>
{
    private readonly ComfyPool _pool;
    private readonly WorkflowRequirements _requirements;

    internal PoolJob(ComfyPool pool, Workflow workflow, PoolJobOptions options, WorkflowRequirements requirements)
    {
        _pool = pool;
        Workflow = workflow;
        Options = options;
        _requirements = requirements;
    }

    /// <summary>What a server must have to run it (extracted when the job was created).</summary>
    internal WorkflowRequirements Requirements => _requirements;

    /// <summary>The workflow each subscription runs (seeds of <c>-1</c> are drawn fresh per attempt).</summary>
    public Workflow Workflow { get; }

    /// <summary>The options of each subscription.</summary>
    public PoolJobOptions Options { get; }

    /// <summary>Queues the job in the pool and streams its updates to <paramref name="observer"/>. A job no server of the
    /// pool can run fails at once with <see cref="ComfyNoCapableServerException"/>.</summary>
    /// <param name="observer">Receives the updates, then exactly one of <c>OnCompleted</c> or <c>OnError</c>.</param>
    /// <returns>Disposing it cancels the job (removed from the pool's queue, or cancelled on its server).</returns>
    public IDisposable Subscribe(IObserver<JobUpdate> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        return _pool.Start(Workflow, Options, _requirements, observer);
    }

    /// <summary>Runs the job (a new job per call) and waits for the result.</summary>
    /// <param name="cancellationToken">Cancels the job; the task then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The result.</returns>
    public Task<JobResult> ToTask(CancellationToken cancellationToken = default) => JobConsumption.ToTask(this, cancellationToken);

    /// <summary>Runs the job (a new job per <c>await</c>) and waits for its result.</summary>
    /// <returns>The awaiter of <see cref="ToTask"/>.</returns>
    public TaskAwaiter<JobResult> GetAwaiter() => ToTask().GetAwaiter();

    /// <summary>Runs the job and returns its updates as a bounded async stream (see
    /// <see cref="ComfyJob.ToAsyncEnumerable"/>); breaking out of the loop or cancelling cancels the job.</summary>
    /// <param name="capacity">How many lossy updates (progress, previews, queue positions, text) may wait; default 64.</param>
    /// <param name="cancellationToken">Cancels the job and the enumeration.</param>
    /// <returns>The updates.</returns>
    public IAsyncEnumerable<JobUpdate> ToAsyncEnumerable(int capacity = 64, CancellationToken cancellationToken = default) =>
        JobConsumption.ToAsyncEnumerable(this, capacity, cancellationToken);
}
