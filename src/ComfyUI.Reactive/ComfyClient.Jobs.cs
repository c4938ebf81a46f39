using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive;

/// <summary>Jobs: running workflows as cold observables, and the node schemas used to validate them.</summary>
public sealed partial class ComfyClient
{
    private readonly object _jobsGate = new();
    private JobTracker? _jobs;

    /// <summary>
    /// A job that runs <paramref name="workflow"/>: a cold <see cref="IObservable{T}"/> of <see cref="JobUpdate"/>s, also
    /// awaitable for the <see cref="JobResult"/>. Nothing is sent until it is subscribed or awaited, and each
    /// subscription or await submits again (see <see cref="ComfyJob"/>).
    /// </summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="options">Timeouts, validation, priority, attachments; null for the defaults.</param>
    /// <returns>The job.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="workflow"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public ComfyJob Run(Workflow workflow, JobOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        options ??= new JobOptions();
        options.Validate();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return new ComfyJob(GetJobTracker, workflow, options);
    }

    /// <summary>Runs <paramref name="workflow"/> once and returns its result.</summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="options">Timeouts, validation, priority, attachments; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the job on the server (delete if queued, interrupt by id if running);
    /// the task then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The outputs and timings.</returns>
    /// <exception cref="ComfyPromptValidationException">The prompt was rejected (by the server, or before sending).</exception>
    /// <exception cref="ComfyExecutionException">A node raised.</exception>
    /// <exception cref="ComfyInterruptedException">The prompt was interrupted on the server.</exception>
    /// <exception cref="ComfyTimeoutException">A <see cref="JobOptions"/> timeout fired (<see cref="ComfyTimeoutException.Phase"/> says which).</exception>
    /// <exception cref="ComfyJobLostException">The server no longer knows the prompt.</exception>
    public Task<JobResult> RunAsync(Workflow workflow, JobOptions? options = null, CancellationToken cancellationToken = default) =>
        Run(workflow, options).ToTask(cancellationToken);

    /// <summary>
    /// The server's node schemas (<c>GET /object_info</c>), fetched once per client on first use and shared by every
    /// job's validation and a pool's capability read. A failed fetch is retried on the next call. Clients whose servers
    /// answer byte for byte the same (servers installed alike) get the same immutable instance: a pool holds one copy.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting (the shared fetch goes on).</param>
    /// <returns>The catalog.</returns>
    public Task<NodeSchemaCatalog> GetNodeSchemaCatalogAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return Session.Schema.GetCatalogAsync(cancellationToken);
    }

    /// <summary>Forgets the cached node schemas; the next validation fetches them again (after installing models or nodes).</summary>
    public void InvalidateNodeSchemaCatalog() => Session.Schema.Invalidate();

    /// <summary>The dispatcher (tests).</summary>
    /// <summary>Resolves when every server cancellation (queue delete, interrupt) and start-timeout check this client's
    /// jobs issued so far has finished: what a pool waits for before it moves a job elsewhere.</summary>
    internal Task WhenCancellationsSentAsync() => GetJobTracker().WhenCancellationsSentAsync();

    internal JobTracker GetJobTracker()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        lock (_jobsGate)
        {
            return _jobs ??= new JobTracker(this, Session, _options, _logger);
        }
    }

    private void DisposeJobs()
    {
        lock (_jobsGate)
        {
            _jobs?.Dispose();
        }
    }
}
