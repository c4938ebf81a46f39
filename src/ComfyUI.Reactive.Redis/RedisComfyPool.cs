using System.Collections.Concurrent;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Redis.Leases;
using ComfyUI.Reactive.Redis.Queue;
using ComfyUI.Reactive.Redis.Records;
using ComfyUI.Reactive.Registry;
using ComfyUI.Reactive.Workflows;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace ComfyUI.Reactive.Redis;

/// <summary>
/// Pools in many processes as one, through Redis: jobs enqueued anywhere wait in one durable queue (Redis Streams, a
/// consumer group, one stream per priority), each ComfyUI server is driven by exactly one process at a time (a lease),
/// every job's updates go to a per-job stream any process can <see cref="Observe"/>, and a job whose process died is
/// taken over by another one, which re-attaches to its prompt instead of running it again. See <c>docs/distributed.md</c>.
/// </summary>
/// <remarks>
/// <para><b>Shape.</b> Each process has a local <see cref="ComfyPool"/> (<see cref="Pool"/>) holding only the servers it
/// leases. It takes jobs from Redis only while those servers have room (capacity × leased servers), so the local queue
/// stays short and priorities are decided by Redis' order; the local pool then schedules, health-checks and fails over as
/// it does in one process. Every process should be given the same servers (<see cref="AddServer"/>): leases decide who
/// drives which, and observers need a server's address to download its outputs.</para>
/// <para><b>Guarantees.</b> At-least-once delivery of jobs; a job ends once (its record's end is written atomically, once).
/// Each attempt's prompt id is recorded before the prompt is posted, and a prompt whose process died is looked up on its
/// server before the job runs again: it runs again only when the prompt is gone or its server stays unreachable.</para>
/// </remarks>
public sealed partial class RedisComfyPool : IAsyncDisposable
{
    private readonly RedisPoolOptions _options;
    private readonly ConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly RedisJobQueue _queue;
    private readonly JobRecordStore _store;
    private readonly ComfyPool _pool;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ServerEntry> _servers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HeldJob> _held = new(StringComparer.Ordinal);
    private readonly Subject<string> _updateSignals = new();
    private readonly Subject<string> _queueSignals = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];
    private TaskCompletionSource? _drained;
    private volatile bool _draining;
    private int _disposed;

    private RedisComfyPool(RedisPoolOptions options, ConnectionMultiplexer redis)
    {
        _options = options;
        _redis = redis;
        _logger = options.Logger ?? NullLogger.Instance;
        ProcessName = options.ProcessName ?? $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";
        _keys = new RedisKeys(options.KeyPrefix);
        var db = redis.GetDatabase();
        _queue = new RedisJobQueue(db, _keys);
        _store = new JobRecordStore(db, _keys, options.RetainFor);
        _pool = new ComfyPool(options.Pool);
    }

    /// <summary>This process's name among the workers (consumer name, lease holder).</summary>
    public string ProcessName { get; }

    /// <summary>The local pool: the servers this process leases, their statuses and events.</summary>
    public ComfyPool Pool => _pool;

    /// <summary>The servers this process drives now (holds the lease of).</summary>
    public IReadOnlyCollection<ServerId> LeasedServers => [.. _servers.Values.Where(s => s.Leased).Select(s => s.Id)];

    /// <summary>
    /// Connects to Redis and starts taking jobs (once servers are added and leased).
    /// </summary>
    /// <param name="options">Redis, keys, leases, timings.</param>
    /// <param name="cancellationToken">Stops connecting.</param>
    /// <returns>The pool.</returns>
    /// <exception cref="ComfyRedisUnavailableException">Redis could not be reached (the message names the endpoints only).</exception>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public static async Task<RedisComfyPool> ConnectAsync(RedisPoolOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var config = options.Redis.Clone();

        // The first connection must succeed, or the caller gets a clear error now rather than silent retries; after it,
        // the client reconnects by itself and the pool pauses while Redis is away.
        config.AbortOnConnectFail = true;
        ConnectionMultiplexer redis;
        try
        {
            redis = await ConnectionMultiplexer.ConnectAsync(config).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            var endpoints = string.Join(", ", config.EndPoints.Select(e => e.ToString()));
            throw new ComfyRedisUnavailableException($"Redis is unreachable at {endpoints}: {ex.GetType().Name}. Check that it runs and that the endpoint, credentials and TLS settings are right.", ex);
        }

        var pool = new RedisComfyPool(options, redis);
        await pool.StartAsync().ConfigureAwait(false);
        return pool;
    }

    /// <summary>
    /// Adds a ComfyUI server this process may drive: it joins the local pool when this process takes its lease, and
    /// leaves it when the lease is lost. Give every process the same servers under the same names.
    /// </summary>
    /// <param name="name">The server's name, the same in every process (its lease key and the name in results).</param>
    /// <param name="client">How to reach it; the distributed pool creates and owns the client (closing it when leaving
    /// is what lets another process take the prompts over without cancelling them).</param>
    /// <param name="tags">Tags jobs may require; null for none.</param>
    /// <returns>The server's id.</returns>
    /// <exception cref="ArgumentException">A server with that name was already added.</exception>
    public ServerId AddServer(string name, ComfyClientOptions client, IEnumerable<string>? tags = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(client);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var id = new ServerId(name);
        var entry = new ServerEntry(id, new ComfyClient(client), [.. tags ?? []], new ServerLease(_redis.GetDatabase(), _keys.Lease(id), ProcessName));
        if (!_servers.TryAdd(name, entry))
        {
            _ = entry.Client.DisposeAsync().AsTask();
            throw new ArgumentException($"A server named '{name}' was already added.", nameof(name));
        }

        _ = RenewLeasesAsync();
        return id;
    }

    /// <summary>Queues a job in Redis for whichever process has room first; it runs even if this process goes away.</summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="options">Priority (one stream each, higher first), tags, attempts, labels. Its per-attempt
    /// <see cref="PoolJobOptions.Job"/> does not travel: the running process uses its <see cref="RedisPoolOptions.Job"/>.</param>
    /// <param name="cancellationToken">Stops waiting for Redis (the job may have been queued).</param>
    /// <returns>The job's id, valid in every process.</returns>
    /// <exception cref="ComfyRedisUnavailableException">Redis is unreachable (the job may or may not have been queued).</exception>
    public async Task<JobId> EnqueueAsync(Workflow workflow, PoolJobOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        options ??= new PoolJobOptions();
        options.Validate();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var job = new QueuedJob
        {
            JobId = Guid.NewGuid().ToString(),
            Workflow = workflow.ToJson(),
            Aliases = workflow.Outputs.ToDictionary(StringComparer.Ordinal),
            Priority = options.Priority,
            Tags = [.. options.Tags],
            MaxAttempts = options.MaxAttempts,
            RetryWorkflowFailures = options.RetryWorkflowFailures,
            Labels = options.Labels?.ToDictionary(StringComparer.Ordinal) ?? new(StringComparer.Ordinal),
            EnqueuedAt = _options.Scheduler.Now,
        };
        await Unavailable(_queue.EnqueueAsync(job, t => _store.Create(t, job)), "enqueue").WaitAsync(cancellationToken).ConfigureAwait(false);
        return new JobId(job.JobId);
    }

    /// <summary>Cancels a job wherever it is: removed from the queue if it waits, cancelled on its server by the process
    /// running it otherwise.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="cancellationToken">Stops waiting for Redis.</param>
    /// <returns>False when the job is unknown or had already ended.</returns>
    /// <exception cref="ComfyRedisUnavailableException">Redis is unreachable.</exception>
    public Task<bool> CancelAsync(JobId jobId, CancellationToken cancellationToken = default) =>
        Unavailable(_store.CancelAsync(jobId.Value), "cancel").WaitAsync(cancellationToken);

    /// <summary>Where a job stands, from its record: null when unknown or expired (<see cref="RedisPoolOptions.RetainFor"/>).</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="cancellationToken">Stops waiting for Redis.</param>
    /// <returns>The status, or null.</returns>
    /// <exception cref="ComfyRedisUnavailableException">Redis is unreachable.</exception>
    public async Task<JobStatus?> GetStatusAsync(JobId jobId, CancellationToken cancellationToken = default) =>
        await Unavailable(_store.StatusAsync(jobId.Value), "status").WaitAsync(cancellationToken).ConfigureAwait(false) switch
        {
            JobRecordStore.Queued => JobStatus.Queued,
            JobRecordStore.Running => JobStatus.Running,
            JobRecordStore.Completed => JobStatus.Completed,
            JobRecordStore.Failed => JobStatus.Failed,
            JobRecordStore.Cancelled => JobStatus.Cancelled,
            _ => null,
        };

    /// <summary>How long a round trip to Redis takes now (the health check); throws when Redis is unreachable.</summary>
    internal Task<TimeSpan> PingAsync() => _redis.GetDatabase().PingAsync();

    /// <summary>How many servers were added (<see cref="AddServer"/>), leased or not.</summary>
    internal int ServerCount => _servers.Count;

    /// <summary>Redis faults as the SDK's own exception: StackExchange.Redis types stay out of the public API.</summary>
    private static async Task<T> Unavailable<T>(Task<T> call, string operation)
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new ComfyRedisUnavailableException($"Redis is unreachable ({operation}): {ex.GetType().Name}. Retry once it is back.", ex);
        }
    }

    /// <summary>Stops taking jobs and waits until every job this process holds has ended (a deploy's graceful stop).</summary>
    /// <param name="cancellationToken">Stops waiting (the jobs go on; dispose to hand them over).</param>
    /// <returns>A task that completes once nothing is held.</returns>
    public Task DrainAsync(CancellationToken cancellationToken = default)
    {
        _draining = true;
        lock (_held)
        {
            if (_held.IsEmpty)
            {
                return Task.CompletedTask;
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Leaves: stops taking jobs, gives up the leases, and hands the jobs it holds over <b>without cancelling their
    /// prompts</b>: they stay pending in Redis and another process (or this one restarted) reclaims them after
    /// <see cref="RedisPoolOptions.ClaimIdle"/> and re-attaches to the prompts. Call <see cref="DrainAsync"/> first to
    /// finish them here instead. Closes the clients and the Redis connection. Idempotent.
    /// </summary>
    /// <returns>A task that completes once everything is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);

        // Nothing new reaches a server from here; closing the clients ends their jobs without cancelling the prompts,
        // and closing one client cannot move its jobs onto another.
        _pool.StopSubmitting();
        foreach (var server in _servers.Values.Where(s => s.Leased))
        {
            try
            {
                await server.Lease.ReleaseAsync().WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Best effort: an unreleased lease expires by itself.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }

        await Task.WhenAll(_servers.Values.Select(s => s.Client.DisposeAsync().AsTask())).ConfigureAwait(false);
        await _pool.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _redis.GetSubscriber().UnsubscribeAllAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _redis.CloseAsync().ConfigureAwait(false);
        await _redis.DisposeAsync().ConfigureAwait(false);
        _updateSignals.OnCompleted();
        _queueSignals.OnCompleted();
        _updateSignals.Dispose();
        _queueSignals.Dispose();
        _stopping.Dispose();
    }

    private bool Stopping => _stopping.IsCancellationRequested;

    private async Task StartAsync()
    {
        var subscriber = _redis.GetSubscriber();
        await subscriber.SubscribeAsync(_keys.UpdateSignal, (_, message) => Signal(_updateSignals, message)).ConfigureAwait(false);
        await subscriber.SubscribeAsync(_keys.QueueSignal, (_, message) => Signal(_queueSignals, message)).ConfigureAwait(false);
        await subscriber.SubscribeAsync(_keys.CancelSignal, (_, message) => OnCancelSignal(message.ToString())).ConfigureAwait(false);
        _loops.Add(Task.Run(IntakeLoopAsync));
        _loops.Add(Task.Run(HeartbeatLoopAsync));
        _loops.Add(Task.Run(LeaseLoopAsync));
    }

    private void Signal(Subject<string> subject, RedisValue message)
    {
        if (Stopping)
        {
            return;
        }

        lock (subject)
        {
            subject.OnNext(message.ToString());
        }
    }

    /// <summary>Waits <paramref name="delay"/> on the pool's scheduler, or less when <paramref name="wake"/> fires first, or
    /// until the pool stops. The caller resumes on the thread pool, never inline on the thread that signalled (a Redis
    /// pub/sub handler or a job's completion).</summary>
    private async Task WaitAsync(TimeSpan delay, IObservable<string>? wake = null)
    {
        var timer = Observable.Timer(delay, _options.Scheduler).Select(_ => string.Empty);
        var either = wake is null ? timer : timer.Merge(wake);
        var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = either.Take(1).Subscribe(_ => woken.TrySetResult(), _ => woken.TrySetResult(), () => woken.TrySetResult());
        using var stop = _stopping.Token.Register(() => woken.TrySetResult());
        await woken.Task.ConfigureAwait(false);
    }

    private static bool IsRedisFault(Exception ex) => ex is RedisException or TimeoutException or ObjectDisposedException;

    /// <summary>One server as this process knows it: its client (owned), its lease and whether it holds it.</summary>
    private sealed class ServerEntry(ServerId id, ComfyClient client, IReadOnlyList<string> tags, ServerLease lease)
    {
        public ServerId Id { get; } = id;

        public ComfyClient Client { get; } = client;

        public IReadOnlyList<string> Tags { get; } = tags;

        public ServerLease Lease { get; } = lease;

        public bool Leased { get; set; }
    }
}
