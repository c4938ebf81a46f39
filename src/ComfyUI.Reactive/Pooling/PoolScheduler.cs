using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Subjects;

namespace ComfyUI.Reactive.Pooling;

/// <summary>
/// The pool's decision core: which waiting job goes to which server, and what happens when an attempt ends. It knows
/// servers only as ids with capabilities, a health and an in-flight count, and jobs only as <see cref="PoolWorkItem"/>s;
/// running an attempt is the injected seam's business.
/// </summary>
/// <remarks>
/// <para><b>When it decides.</b> Whenever something changes — a job submitted, an attempt ended, a server added, healthy
/// again or given capabilities, a cooldown ended — it assigns work synchronously on that call, so a server that finishes
/// a job gets the next one at once (no timer, no idle gap).</para>
/// <para><b>How.</b> Servers in rotation (capabilities known, <see cref="ServerHealth.Healthy"/>) with fewer jobs in flight
/// than their capacity ask the queue for work, least loaded first (then the one that got work longest ago). The queue
/// answers with the best item that server may take (<see cref="IPoolQueue"/>: priority, scarcity, FIFO; capability,
/// cooldown and exclusions via <see cref="IReservationFilter"/>). Among equally loaded servers that could all take that
/// item, the one that last ran its checkpoint gets it (<see cref="CheckpointAffinity"/>).</para>
/// <para><b>Outcomes.</b> Success acks the item. A workflow fault (<see cref="FailureClassifier"/>) fails it at once. A
/// server fault nacks it: it waits again in its original place, avoiding the failed server while another capable server
/// in rotation has not failed it, until <see cref="PoolWorkItem.MaxAttempts"/> attempts were used; a failure about the
/// workflow on that server (not a connection failure or a 502/503/504/408/429, see
/// <see cref="FailureClassifier.CountsTowardsCooldown"/>) also counts towards that (server, workflow hash)'s cooldown. A server that dies (<see cref="ServerHealth.Dead"/>) or is removed has
/// its attempts abandoned (the seam's subscription is disposed) and their items re-dispatched at once.</para>
/// <para><b>Waiting is not a fault.</b> An attempt whose prompt did not start because the server was busy with other
/// work (<see cref="FailureClassifier.IsBusyWait"/>) goes back to the queue without counting (<see cref="IPoolQueue.Release"/>):
/// another server that can take it now gets it at once, otherwise the same server takes it again straight away.</para>
/// <para><b>A job always ends (liveness).</b> After every decision, each waiting item has something pending that will
/// release it: a capable server with work in flight (its end decides again), a capable server out of rotation (its
/// health or capabilities change decides again), a cooldown of a capable server (its end decides again), or the retry
/// wake-up armed no later than the item's <c>RetryAt</c>. Deferred decisions run at or after their time whatever the
/// timer precision (<see cref="Deadline"/>). <see cref="FindStrandedItems"/> checks this; the fuzz tests assert it after
/// every step.</para>
/// <para><b>Exactly one outcome per item.</b> Each attempt ends once: the first of its reports wins and later ones (a
/// second report, a report after the attempt was abandoned or the item cancelled) are ignored. An item completes once.</para>
/// <para><b>Threading.</b> Thread-safe. The attempt seam is called and subscribed outside the scheduler's lock, on the
/// thread that caused the decision; it may report synchronously.</para>
/// </remarks>
internal sealed partial class PoolScheduler : IDisposable
{
    private readonly IPoolQueue _queue;
    private readonly Func<PoolWorkItem, ServerId, IObservable<AttemptOutcome>> _startAttempt;
    private readonly IScheduler _clock;
    private readonly PoolSchedulerOptions _options;
    private readonly Lock _lock = new();
    private readonly Dictionary<ServerId, Slot> _servers = [];
    private readonly Dictionary<string, ItemState> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _scarcity = new(StringComparer.Ordinal);
    private readonly CooldownTracker _cooldowns;
    private readonly ServerStatusBoard _board = new();
    private readonly IDisposable _cooldownSubscription;
    private readonly SerialDisposable _retryWake = new();
    private readonly Subject<AttemptFailure> _attemptFailures = new();
    private List<VersionedStatus> _outbox = [];
    private List<Action> _notices = [];
    private DateTimeOffset? _retryWakeDue;
    private bool _passedOverBusy;
    private long _statusVersion;
    private long _assignments;
    private int _serverOrder;
    private bool _pumping;
    private bool _pumpAgain;
    private bool _disposed;

    /// <summary>Creates a scheduler with no servers.</summary>
    /// <param name="queue">Where waiting items are kept.</param>
    /// <param name="startAttempt">Starts one attempt of an item on a server when subscribed; reports one outcome (an
    /// error counts as a failure, completing without one as a server fault); disposing it abandons the attempt.</param>
    /// <param name="clock">The clock for timings and cooldowns.</param>
    /// <param name="options">Capacity, cooldown and classification; null for defaults.</param>
    public PoolScheduler(
        IPoolQueue queue,
        Func<PoolWorkItem, ServerId, IObservable<AttemptOutcome>> startAttempt,
        IScheduler clock,
        PoolSchedulerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(startAttempt);
        ArgumentNullException.ThrowIfNull(clock);
        _options = options ?? new PoolSchedulerOptions();
        _options.Validate();
        _queue = queue;
        _startAttempt = startAttempt;
        _clock = clock;
        _cooldowns = new CooldownTracker(_options.CooldownThreshold, _options.CooldownPeriod, clock);
        _cooldownSubscription = _cooldowns.Expired.Subscribe(_ => Pump());
        Metrics = new PoolMetrics(clock, () => queue.Count, _options.MeterFactory);
    }

    /// <summary>Every server's status: the latest of each, then every change.</summary>
    public IObservable<ServerStatus> Servers => _board.Statuses;

    /// <summary>The pool's instruments.</summary>
    public PoolMetrics Metrics { get; }

    /// <summary>Every attempt that ended without its item's result, in order per item, before that item's outcome
    /// completes; published outside the scheduler's lock. Completes when the scheduler is disposed.</summary>
    public IObservable<AttemptFailure> AttemptFailures => _attemptFailures.AsObservable();

    /// <summary>Adds a server. It enters rotation once it has capabilities and is <see cref="ServerHealth.Healthy"/>.</summary>
    /// <param name="server">The server id, unique in the pool.</param>
    /// <param name="capabilities">Its capabilities, or null until known (see <see cref="SetCapabilities"/>); a server with
    /// unknown capabilities counts as possibly capable, so jobs are not failed while it is still being asked.</param>
    /// <param name="capacity">Jobs kept in flight on it, or null for <see cref="PoolSchedulerOptions.DefaultCapacity"/>.</param>
    /// <exception cref="ArgumentException">The id is already in the pool.</exception>
    public void AddServer(ServerId server, ServerCapabilities? capabilities = null, int? capacity = null)
    {
        if (capacity is { } c)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(c, 1, nameof(capacity));
        }

        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_servers.ContainsKey(server))
            {
                throw new ArgumentException($"The pool already has a server '{server}'.", nameof(server));
            }

            var slot = new Slot(server, _serverOrder++, capacity ?? _options.DefaultCapacity) { Capabilities = capabilities };
            _servers.Add(server, slot);
            _scarcity.Clear();
            Metrics.AddServer(server);
            Stage(slot);
        }

        Pump();
    }

    /// <summary>Sets or replaces a server's capabilities; jobs no server can run any more fail.</summary>
    /// <param name="server">The server.</param>
    /// <param name="capabilities">Its capabilities.</param>
    /// <returns>False when the server is not in the pool.</returns>
    public bool SetCapabilities(ServerId server, ServerCapabilities capabilities)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        lock (_lock)
        {
            if (_disposed || !_servers.TryGetValue(server, out var slot))
            {
                return false;
            }

            slot.Capabilities = capabilities;
            slot.Matches.Clear();
            _scarcity.Clear();
            FailOrphansLocked();
            Stage(slot);
        }

        Pump();
        return true;
    }

    /// <summary>Sets a server's health (from its <see cref="HealthMonitor"/>). Only <see cref="ServerHealth.Healthy"/>
    /// servers take work; a <see cref="ServerHealth.Dead"/> one also loses its in-flight attempts, which are re-dispatched
    /// at once.</summary>
    /// <param name="server">The server.</param>
    /// <param name="health">Its health.</param>
    /// <returns>False when the server is not in the pool.</returns>
    public bool SetHealth(ServerId server, ServerHealth health)
    {
        List<IDisposable> abandoned = [];
        lock (_lock)
        {
            if (_disposed || !_servers.TryGetValue(server, out var slot))
            {
                return false;
            }

            slot.Health = health;
            if (health == ServerHealth.Dead)
            {
                abandoned = AbandonLocked(slot, $"The server '{server}' went away during the attempt (socket closed and HTTP connections refused).");
            }

            Stage(slot);
        }

        Dispose(abandoned);
        Pump();
        return true;
    }

    /// <summary>Removes a server: its in-flight attempts are abandoned and their items re-dispatched; jobs no remaining
    /// server can run fail.</summary>
    /// <param name="server">The server.</param>
    /// <returns>False when the server is not in the pool.</returns>
    public bool RemoveServer(ServerId server)
    {
        List<IDisposable> abandoned;
        lock (_lock)
        {
            if (_disposed || !_servers.TryGetValue(server, out var slot))
            {
                return false;
            }

            slot.Removed = true;
            abandoned = AbandonLocked(slot, $"The server '{server}' was removed from the pool during the attempt.");
            _servers.Remove(server);
            _scarcity.Clear();
            _cooldowns.Forget(server);
            Metrics.RemoveServer(server);
            Stage(slot);
            FailOrphansLocked();
        }

        Dispose(abandoned);
        Pump();
        return true;
    }

    /// <summary>
    /// Queues an item and returns its one final outcome. Fails at once, without queueing, when no server of the pool can
    /// run it.
    /// </summary>
    /// <param name="item">The item; <see cref="PoolWorkItem.EnqueuedAt"/> is set to now when left default.</param>
    /// <returns>The outcome: one value, then completion (never an error); delivered outside the scheduler's lock on the
    /// deciding thread, after the item's <see cref="AttemptFailures"/>, and replayed to late subscribers.</returns>
    /// <exception cref="ComfyNoCapableServerException">No server can run the item; the reasons say why per server.</exception>
    public IObservable<PoolItemOutcome> Submit(PoolWorkItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        ItemState state;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (NoCapableServerLocked(item.Requirements) is { } reasons)
            {
                throw new ComfyNoCapableServerException(reasons);
            }

            if (item.EnqueuedAt == default)
            {
                item = item with { EnqueuedAt = _clock.Now };
            }

            if (_items.ContainsKey(item.Id))
            {
                throw new ArgumentException($"An item with id '{item.Id}' is already in the pool.", nameof(item));
            }

            state = new ItemState(item, _clock.Now);
            _queue.Enqueue(item);
            _items.Add(item.Id, state);
        }

        Pump();
        return state.Completion.AsObservable();
    }

    /// <summary>Cancels an item: removed from the queue if waiting, its attempt abandoned if running. Its outcome is
    /// <see cref="PoolItemStatus.Cancelled"/>.</summary>
    /// <param name="itemId">The item id.</param>
    /// <returns>False when the item had already ended (or is unknown).</returns>
    public bool Cancel(string itemId)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        SingleAssignmentDisposable? subscription = null;
        lock (_lock)
        {
            if (!_items.TryGetValue(itemId, out var state))
            {
                return false;
            }

            _queue.Remove(itemId);
            if (state.Current is { } attempt)
            {
                EndAttemptLocked(attempt, "cancelled");
                subscription = attempt.Subscription;
            }

            CompleteLocked(state, PoolItemStatus.Cancelled, null);
        }

        subscription?.Dispose();
        Pump();
        return true;
    }

    /// <summary>Cancels every item and abandons every attempt; completes <see cref="Servers"/>.</summary>
    public void Dispose()
    {
        List<IDisposable> subscriptions = [];
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var state in _items.Values.ToList())
            {
                _queue.Remove(state.Item.Id);
                if (state.Current is { } attempt)
                {
                    EndAttemptLocked(attempt, "cancelled");
                    subscriptions.Add(attempt.Subscription);
                }

                CompleteLocked(state, PoolItemStatus.Cancelled, null);
            }
        }

        Dispose(subscriptions);
        Flush();
        _retryWake.Dispose();
        _attemptFailures.OnCompleted();
        _attemptFailures.Dispose();
        _cooldownSubscription.Dispose();
        _cooldowns.Dispose();
        _board.Dispose();
        Metrics.Dispose();
    }

    private static void Dispose(List<IDisposable> disposables)
    {
        foreach (var disposable in disposables)
        {
            disposable.Dispose();
        }
    }

    private static bool InRotation(Slot slot) => !slot.Removed && slot.Capabilities is not null && slot.Health == ServerHealth.Healthy;

    private static ServerState StateOf(Slot slot) =>
        slot.Removed ? ServerState.Removed
        : slot.Health is ServerHealth.Unhealthy or ServerHealth.Dead ? ServerState.Unhealthy
        : slot.Health != ServerHealth.Healthy || slot.Capabilities is null ? ServerState.Connecting
        : slot.InFlight > 0 ? ServerState.Busy
        : ServerState.Ready;
}
