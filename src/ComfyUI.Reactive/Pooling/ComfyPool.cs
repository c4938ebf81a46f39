using System.Collections.Concurrent;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Reactive.Threading.Tasks;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Workflows;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ComfyUI.Reactive.Pooling;

/// <summary>
/// Many ComfyUI servers as one: a queue of cold jobs scheduled onto the servers that can run them, with health checks,
/// failover and one merged event stream. See <c>docs/pool.md</c>.
/// </summary>
/// <remarks>
/// <para><b>Servers</b> join with <see cref="AddServer"/> and leave with <see cref="RemoveServerAsync"/> at any time. A
/// server takes jobs once its socket is connected and its capabilities (<c>/object_info</c>, model lists) are read, both
/// in the background: a server that is down does not hold up the others. The pool does not own the clients: dispose them
/// after the pool.</para>
/// <para><b>Jobs</b> (<see cref="Run"/>) go to servers that have every node type, model file and tag they need, up to
/// <see cref="ComfyPoolOptions.ServerCapacity"/> per server, highest priority first. A job no server can run fails at once
/// with <see cref="ComfyNoCapableServerException"/>.</para>
/// <para><b>Failover.</b> A server fault (the server died, a timeout, a lost prompt, a 5xx) sends the job back to the
/// queue and on to another server, up to <see cref="ComfyPoolOptions.MaxAttempts"/> attempts. Execution is therefore
/// <b>at least once</b>; delivery is <b>exactly once</b>: a job's subscriber sees one result or one error, never two.</para>
/// </remarks>
public sealed partial class ComfyPool : IAsyncDisposable, IDisposable
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> the pool's instruments are on.</summary>
    public const string MeterName = PoolMetrics.MeterName;

    /// <summary>How long cleanup (a timed-out prompt's deletion, cancellations at removal) may hold up a failover or a removal.</summary>
    private static readonly TimeSpan CleanupBound = TimeSpan.FromSeconds(10);

    /// <summary>How soon a failed capability read is retried while the server is healthy and has none.</summary>
    private static readonly TimeSpan CapabilityRetry = TimeSpan.FromSeconds(1);

    private readonly ComfyPoolOptions _options;
    private readonly PoolScheduler _scheduler;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<ServerId, PoolServer> _servers = [];
    private readonly ConcurrentDictionary<string, PoolJobRun> _runs = new(StringComparer.Ordinal);
    private readonly Subject<PoolEvent> _events = new();
    private RequirementsByHash? _lastRequirements;
    private readonly object _eventsGate = new();
    private readonly IDisposable _attemptFailures;
    private bool _eventsCompleted;
    private int _disposed;
    private int _submitting = 1;

    /// <summary>Creates an empty pool.</summary>
    /// <param name="options">Scheduling, health and retry settings; null for the defaults.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public ComfyPool(ComfyPoolOptions? options = null)
    {
        _options = options ?? new ComfyPoolOptions();
        _options.Validate();
        _logger = _options.Logger ?? NullLogger.Instance;
        _scheduler = new PoolScheduler(
            _options.Queue ?? new InMemoryPoolQueue(),
            StartAttempt,
            _options.Scheduler,
            new PoolSchedulerOptions
            {
                DefaultCapacity = _options.ServerCapacity,
                CooldownThreshold = _options.CooldownThreshold,
                CooldownPeriod = _options.CooldownPeriod,
                IsWorkflowFault = static e => e is ComfyExecutionException,
                MeterFactory = _options.MeterFactory,
            });
        _attemptFailures = _scheduler.AttemptFailures.Subscribe(OnAttemptFailed);
    }

    /// <summary>
    /// Every event of every server, tagged with its server: hot (only events after subscription), never failing; it
    /// completes when the pool is disposed. Observers are called one at a time; do not block in them.
    /// </summary>
    public IObservable<PoolEvent> Events => _events.AsObservable();

    /// <summary>
    /// Every server's <see cref="ServerStatus"/> (state and jobs in flight): first the latest of each server, then every
    /// change; a removed server's last status is <see cref="ServerState.Removed"/>. Completes when the pool is disposed.
    /// </summary>
    public IObservable<ServerStatus> Servers => _scheduler.Servers;

    /// <summary>The scheduler (tests).</summary>
    internal PoolScheduler Scheduler => _scheduler;

    /// <summary>
    /// Adds a server. It starts taking jobs once its socket is connected and its capabilities are read (both begin now,
    /// in the background; the client's socket is started if it was not).
    /// </summary>
    /// <param name="client">The server's client; the pool uses it but does not dispose it.</param>
    /// <param name="name">The server's name in statuses, results and metrics; null: the client's address as
    /// <c>host:port</c> (never user info or a query string).</param>
    /// <param name="tags">Tags jobs may require (<see cref="PoolJobOptions.Tags"/>); null for none.</param>
    /// <returns>The server's id.</returns>
    /// <exception cref="ArgumentException">A server with that name is already in the pool.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public ServerId AddServer(ComfyClient client, string? name = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var id = new ServerId(string.IsNullOrEmpty(name) ? NameOf(client.BaseAddress) : name);
        var server = new PoolServer(
            id, client, tags is null ? [] : [.. tags.Where(t => !string.IsNullOrEmpty(t)).Distinct(StringComparer.Ordinal)], client.Run);
        Register(server, capabilities: null);

        server.Subscriptions.Add(client.Events.Subscribe(
            e =>
            {
                // Every frame of every server passes here: wrap it only for someone listening to Events.
                if (_events.HasObservers)
                {
                    Publish(new PoolEvent(id, e));
                }
            },
            _ => { },
            () => { }));
        var monitor = new HealthMonitor(
            HealthMonitor.QueueStatusProbe(client),
            client.Session.Liveness.Watched(),
            new HealthMonitorOptions
            {
                Interval = _options.HealthCheckInterval is { } interval && interval > TimeSpan.Zero ? interval : null,
                ProbeTimeout = _options.HealthCheckTimeout,
                FailureThreshold = _options.FailureThreshold,
            },
            _options.Scheduler);
        server.Monitor = monitor;
        server.Subscriptions.Add(monitor.Health.Subscribe(h => OnHealth(server, h)));
        if (_options.CapabilityRefreshInterval is { } refresh && refresh > TimeSpan.Zero)
        {
            server.Subscriptions.Add(Observable.Interval(refresh, _options.Scheduler).Subscribe(_ => RefreshCapabilities(server)));
        }

        monitor.Start();
        _ = ConnectAsync(server);
        return id;
    }

    /// <summary>
    /// Removes a server: its jobs in flight are cancelled there and go back to the queue for the other servers; jobs no
    /// remaining server can run fail with <see cref="ComfyNoCapableServerException"/>. Completes once the cancellations
    /// were sent (or could not be).
    /// </summary>
    /// <param name="server">The server's id (from <see cref="AddServer"/>).</param>
    /// <param name="cancellationToken">Stops waiting for the cancellations to be sent (the removal itself is done).</param>
    /// <returns>False when the server was not in the pool.</returns>
    public async Task<bool> RemoveServerAsync(ServerId server, CancellationToken cancellationToken = default)
    {
        PoolServer? removed;
        lock (_lock)
        {
            if (!_servers.Remove(server, out removed))
            {
                return false;
            }
        }

        _scheduler.RemoveServer(server);
        removed.Dispose();
        PoolLog.ServerRemoved(_logger, server);
        await WithinAsync(removed.WhenCancellationsSentAsync(), CleanupBound).WaitAsync(cancellationToken).ConfigureAwait(false);

        return true;
    }

    /// <summary>
    /// A job that runs <paramref name="workflow"/> on a server of the pool: a cold <see cref="IObservable{T}"/> of
    /// <see cref="JobUpdate"/>s tagged with their server, also awaitable for the <see cref="JobResult"/>. Nothing is queued
    /// until it is subscribed or awaited; each subscription is a new job (see <see cref="PoolJob"/>).
    /// </summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="options">Priority, tags, attempts and the per-attempt <see cref="JobOptions"/>; null for the defaults.</param>
    /// <returns>The job.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="workflow"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public PoolJob Run(Workflow workflow, PoolJobOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        options ??= new PoolJobOptions();
        options.Validate();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return new PoolJob(this, workflow, options, RequirementsOf(workflow, options.Tags));
    }

    /// <summary>
    /// A batch runs one template with a new prompt or seed per job: those copies share the template's structural hash
    /// (computed once), and the requirements are a function of the structure, so the last ones are reused instead of
    /// extracted (and their key hashed) per job. Only for untagged jobs whose hash is already known: computing a hash
    /// just to look up would cost as much as extracting.
    /// </summary>
    private WorkflowRequirements RequirementsOf(Workflow workflow, IReadOnlyList<string> tags)
    {
        if (tags.Count > 0 || !workflow.HasHash)
        {
            return WorkflowRequirements.From(workflow, tags);
        }

        var last = Volatile.Read(ref _lastRequirements);
        if (last is not null && ReferenceEquals(last.Hash, workflow.Hash))
        {
            return last.Requirements;
        }

        var requirements = WorkflowRequirements.From(workflow, tags);
        Volatile.Write(ref _lastRequirements, new RequirementsByHash(workflow.Hash, requirements));
        return requirements;
    }

    private sealed record RequirementsByHash(string Hash, WorkflowRequirements Requirements);

    /// <summary>Runs <paramref name="workflow"/> once on a server of the pool and returns its result.</summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="options">Priority, tags, attempts and the per-attempt <see cref="JobOptions"/>; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the job (removed from the queue, or cancelled on its server); the task then
    /// throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The outputs, timings and <see cref="JobResult.Pool"/>.</returns>
    /// <exception cref="ComfyNoCapableServerException">No server of the pool can run the workflow.</exception>
    /// <exception cref="ComfyPromptValidationException">The workflow was rejected (not retried unless
    /// <see cref="PoolJobOptions.RetryWorkflowFailures"/>).</exception>
    /// <exception cref="ComfyExecutionException">A node raised (idem).</exception>
    /// <exception cref="ComfyException">The last attempt's server fault, after <see cref="PoolJobOptions.MaxAttempts"/>
    /// attempts (e.g. <see cref="ComfyTimeoutException"/>, <see cref="ComfyConnectionException"/>).</exception>
    public Task<JobResult> RunAsync(Workflow workflow, PoolJobOptions? options = null, CancellationToken cancellationToken = default) =>
        Run(workflow, options).ToTask(cancellationToken);

    /// <summary>
    /// Cancels every job (their subscribers get a <see cref="ComfyConnectionException"/>; running prompts are cancelled on
    /// their servers), stops the health checks and completes <see cref="Events"/> and <see cref="Servers"/>. The clients
    /// are not disposed. Idempotent.
    /// </summary>
    /// <returns>A task that completes once the cancellations were sent (bounded).</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        List<PoolServer> servers;
        lock (_lock)
        {
            servers = [.. _servers.Values];
            _servers.Clear();
        }

        // Jobs by id first: they end as cancelled (their observers told why), not as failed by the scheduler's shutdown.
        DisposeRegistry();
        _scheduler.Dispose();
        _attemptFailures.Dispose();
        foreach (var server in servers)
        {
            server.Dispose();
        }

        lock (_eventsGate)
        {
            _eventsCompleted = true;
            _events.OnCompleted();
        }

        var cancellations = servers.Select(s => s.WhenCancellationsSentAsync());
        await WithinAsync(Task.WhenAll(cancellations), CleanupBound).ConfigureAwait(false);
        _events.Dispose();
    }

    /// <summary>
    /// Stops the pool from sending anything more to its servers, without cancelling what they run: from now on no attempt
    /// starts (a job that would start one waits until the pool is disposed). For a process that hands its jobs over to
    /// another one, which re-attaches to the prompts by id (<c>ComfyUI.Reactive.Redis</c>): it calls this, then disposes
    /// its clients (their jobs end without being cancelled on the servers) and then the pool, so closing one client can
    /// never move its jobs onto another server. Irreversible; idempotent.
    /// </summary>
    public void StopSubmitting() => Volatile.Write(ref _submitting, 0);

    /// <summary>
    /// Disposes the pool synchronously, for containers and <c>using</c> blocks that cannot await: the same as
    /// <see cref="DisposeAsync"/>, waited for off the caller's synchronization context and at most 5 seconds. Never throws.
    /// </summary>
    public void Dispose() => Lifetime.DisposeBlocking(DisposeAsync);

    /// <summary>The seam for unit tests: a server without a client, with known capabilities, whose attempts run through
    /// <paramref name="run"/>; healthy unless told otherwise (tests then drive its health with <see cref="SetHealth"/>).</summary>
    internal ServerId AddTestServer(
        ServerId id, ServerCapabilities capabilities, Func<Workflow, JobOptions, IObservable<JobUpdate>> run, bool healthy = true)
    {
        Register(new PoolServer(id, null, [.. capabilities.Tags], run) { CapabilitiesStale = false }, capabilities);
        if (healthy)
        {
            _scheduler.SetHealth(id, ServerHealth.Healthy);
        }

        return id;
    }

    /// <summary>Sets a server's health as its monitor would (unit tests).</summary>
    internal bool SetHealth(ServerId id, ServerHealth health) => _scheduler.SetHealth(id, health);

    /// <summary>Subscribes one job: queues it and wires its single outcome to the caller.</summary>
    internal IDisposable Start(Workflow workflow, PoolJobOptions options, WorkflowRequirements requirements, IObserver<JobUpdate> observer)
    {
        var run = new PoolJobRun(Guid.NewGuid().ToString(), workflow, options, observer);
        if (Volatile.Read(ref _disposed) != 0)
        {
            run.Finish(null, PoolDisposed());
            return Disposable.Empty;
        }

        var item = new PoolWorkItem
        {
            Id = run.Id,
            Priority = options.Priority,
            MaxAttempts = options.MaxAttempts ?? _options.MaxAttempts,
            Requirements = requirements,
            WorkflowJson = workflow.ToJson(),
            WorkflowHash = workflow.Hash,
            RetryWorkflowFaults = options.RetryWorkflowFailures,
            Labels = options.Labels ?? new Dictionary<string, string>(StringComparer.Ordinal),
        };

        // Registered before submitting: the scheduler may start the first attempt inside Submit.
        _runs[run.Id] = run;
        IObservable<PoolItemOutcome> outcome;
        try
        {
            outcome = _scheduler.Submit(item);
        }
        catch (Exception ex) when (ex is ComfyNoCapableServerException or ObjectDisposedException)
        {
            _runs.TryRemove(run.Id, out _);
            run.Finish(null, ex is ObjectDisposedException ? PoolDisposed() : ex);
            return Disposable.Empty;
        }

        // The one outcome arrives outside the scheduler's lock; its subscription ends with it.
        outcome.Subscribe(o => OnOutcome(run, o));
        return Disposable.Create(() =>
        {
            if (run.Detach())
            {
                _scheduler.Cancel(run.Id);
            }
        });
    }

    private static ComfyConnectionException PoolDisposed() => new("The pool was disposed before the job ended.");
}
