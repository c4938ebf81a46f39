using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Registry;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Pooling;

/// <summary>Jobs by id: what a service needs to hand out an id now and answer for the job later (see <c>docs/services.md</c>).</summary>
public sealed partial class ComfyPool
{
    private JobRegistry? _registry;

    /// <summary>
    /// The lifecycle of every job enqueued by id (<see cref="Enqueue"/>): queued, started on a server, attempt failed,
    /// progress and previews (sampled per <see cref="JobRegistryOptions.SampleInterval"/>), completed, failed, cancelled.
    /// Hot (only events after subscription; read <see cref="GetJobsAsync"/> for the jobs so far), never failing; completes
    /// when the pool is disposed. Jobs of the cold <see cref="Run"/> API are not in it.
    /// </summary>
    /// <remarks>Observers are called one at a time, under the job's lock: do not block in them, and do not cancel or
    /// enqueue from them synchronously (use <c>ObserveOn</c>).</remarks>
    public IObservable<JobEvent> Jobs => Registry.Events;

    private JobRegistry Registry
    {
        get
        {
            lock (_lock)
            {
                return _registry ??= new JobRegistry(_options.Scheduler, _options.Registry, _scheduler.Metrics.Meter);
            }
        }
    }

    /// <summary>
    /// Queues <paramref name="workflow"/> as a job the pool keeps under an id: the pool runs it whether or not anyone
    /// observes it, and it can be observed (<see cref="Observe"/>), cancelled (<see cref="Cancel"/>) and looked up
    /// (<see cref="GetAsync"/>) by that id until <see cref="JobRegistryOptions.RetainFor"/> after it finished.
    /// </summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="options">Priority, tags, attempts, labels and the per-attempt <see cref="JobOptions"/>; null for the defaults.</param>
    /// <returns>The job's id.</returns>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public JobId Enqueue(Workflow workflow, PoolJobOptions? options = null)
    {
        var job = Run(workflow, options);
        return Registry.Enqueue(job, job.Options.Labels);
    }

    /// <summary>
    /// A job's updates, the same shape as a cold job's: first its latest state replayed (the latest queue position,
    /// start, node, progress and preview of its current attempt, every node output so far), then its live updates, then
    /// its end — <c>OnCompleted</c> right after <see cref="JobCompleted"/>, or <c>OnError</c> with the job's typed
    /// exception (<see cref="OperationCanceledException"/> when cancelled). Subscribing to a finished job replays it and
    /// ends at once. Disposing the subscription only stops watching: the job goes on (cancel it with <see cref="Cancel"/>).
    /// </summary>
    /// <param name="jobId">The id from <see cref="Enqueue"/>.</param>
    /// <returns>The updates.</returns>
    /// <exception cref="KeyNotFoundException">No such job: never enqueued here, or forgotten after its retention.</exception>
    public IObservable<JobUpdate> Observe(JobId jobId) => Registry.Observe(jobId);

    /// <summary>Cancels a job enqueued by id: removed from the queue if it waits, cancelled on its server if it runs.</summary>
    /// <param name="jobId">The id from <see cref="Enqueue"/>.</param>
    /// <returns>False when the job is unknown or had already finished.</returns>
    public bool Cancel(JobId jobId) => Registry.Cancel(jobId);

    /// <summary>Where a job enqueued by id stands: status, server, progress, and its result or error once finished.</summary>
    /// <param name="jobId">The id from <see cref="Enqueue"/>.</param>
    /// <param name="cancellationToken">Reserved for stores that are not in memory; the pool answers at once.</param>
    /// <returns>The snapshot, or null when the job is unknown or was forgotten after its retention.</returns>
    public Task<JobSnapshot?> GetAsync(JobId jobId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Registry.Get(jobId));
    }

    /// <summary>Every job enqueued by id that the pool still keeps (unfinished, and finished within the retention), in no
    /// particular order: the starting point of a dashboard that then follows <see cref="Jobs"/>.</summary>
    /// <param name="cancellationToken">Reserved for stores that are not in memory.</param>
    /// <returns>The snapshots.</returns>
    public Task<IReadOnlyList<JobSnapshot>> GetJobsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Registry.List());
    }

    /// <summary>Completes once every job enqueued by id has finished (a host draining at shutdown).</summary>
    internal Task WhenJobsFinishedAsync(CancellationToken cancellationToken) => Registry.WhenIdleAsync(cancellationToken);

    /// <summary>How many jobs enqueued by id have not finished.</summary>
    internal int UnfinishedJobs => Registry.Running;

    /// <summary>Cancels every job enqueued by id (a host stopping without draining).</summary>
    internal void CancelJobs(string reason) => Registry.CancelAll(reason);

    private void DisposeRegistry()
    {
        JobRegistry? registry;
        lock (_lock)
        {
            registry = _registry;
        }

        registry?.Dispose();
    }
}
