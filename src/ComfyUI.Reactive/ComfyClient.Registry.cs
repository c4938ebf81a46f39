using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Registry;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive;

/// <summary>Jobs by id on one server, the same contract as <see cref="Pooling.ComfyPool.Enqueue"/> (see <c>docs/services.md</c>).</summary>
public sealed partial class ComfyClient
{
    private readonly Lock _registryGate = new();
    private JobRegistry? _registry;

    /// <summary>
    /// The lifecycle of every job enqueued by id on this client (<see cref="Enqueue"/>): queued, started, progress and
    /// previews (sampled), completed, failed, cancelled. Hot, never failing; completes when the client is disposed. Jobs
    /// of the cold <see cref="Run"/> API are not in it. Do not block in the observers or call back into the client's
    /// job methods from them synchronously.
    /// </summary>
    public IObservable<JobEvent> Jobs => Registry.Events;

    private JobRegistry Registry
    {
        get
        {
            lock (_registryGate)
            {
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
                return _registry ??= new JobRegistry(_options.Scheduler, _options.Registry, _metrics.Meter);
            }
        }
    }

    /// <summary>Submits <paramref name="workflow"/> as a job the client keeps under an id: it runs whether or not anyone
    /// observes it, and can be observed, cancelled and looked up by id until <see cref="JobRegistryOptions.RetainFor"/>
    /// after it finished.</summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="options">Timeouts, validation, priority, attachments; null for the defaults.</param>
    /// <returns>The job's id.</returns>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public JobId Enqueue(Workflow workflow, JobOptions? options = null) => Registry.Enqueue(Run(workflow, options), labels: null);

    /// <summary>A job's updates: its latest state replayed, then live, then its end (as <see cref="Pooling.ComfyPool.Observe"/>).
    /// Disposing the subscription only stops watching.</summary>
    /// <param name="jobId">The id from <see cref="Enqueue"/>.</param>
    /// <returns>The updates.</returns>
    /// <exception cref="KeyNotFoundException">No such job: never enqueued here, or forgotten after its retention.</exception>
    public IObservable<JobUpdate> Observe(JobId jobId) => Registry.Observe(jobId);

    /// <summary>Cancels a job enqueued by id (deleted from the queue if pending, interrupted by id if running).</summary>
    /// <param name="jobId">The id from <see cref="Enqueue"/>.</param>
    /// <returns>False when the job is unknown or had already finished.</returns>
    public bool Cancel(JobId jobId) => Registry.Cancel(jobId);

    /// <summary>Where a job enqueued by id stands.</summary>
    /// <param name="jobId">The id from <see cref="Enqueue"/>.</param>
    /// <param name="cancellationToken">Reserved; the client answers from memory at once.</param>
    /// <returns>The snapshot, or null when the job is unknown or was forgotten.</returns>
    public Task<JobSnapshot?> GetAsync(JobId jobId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Registry.Get(jobId));
    }

    /// <summary>Every job enqueued by id that the client still keeps, in no particular order.</summary>
    /// <param name="cancellationToken">Reserved; the client answers from memory at once.</param>
    /// <returns>The snapshots.</returns>
    public Task<IReadOnlyList<JobSnapshot>> GetJobsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Registry.List());
    }

    private void DisposeRegistry()
    {
        JobRegistry? registry;
        lock (_registryGate)
        {
            registry = _registry;
        }

        registry?.Dispose();
    }
}
