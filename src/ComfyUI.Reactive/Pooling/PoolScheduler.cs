using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using ComfyUI.Reactive.Jobs;

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
internal sealed class PoolScheduler : IDisposable
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
    private List<(ServerStatus Status, long Version)> _outbox = [];
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
        Metrics = new PoolMetrics(clock, () => queue.Count);
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

    /// <summary>Runs decisions until nothing more can be assigned. Re-entrant calls (an attempt reporting synchronously,
    /// a cooldown ending) ask the running loop to go round again instead of nesting.</summary>
    private void Pump()
    {
        lock (_lock)
        {
            if (_pumping)
            {
                _pumpAgain = true;
                return;
            }

            _pumping = true;
        }

        try
        {
            while (true)
            {
                List<Attempt> starts;
                lock (_lock)
                {
                    _pumpAgain = false;
                    starts = _disposed ? [] : DecideLocked();
                    if (starts.Count == 0 && !_pumpAgain)
                    {
                        _pumping = false;
                        break;
                    }
                }

                Flush();
                foreach (var attempt in starts)
                {
                    Start(attempt);
                }
            }
        }
        catch
        {
            lock (_lock)
            {
                _pumping = false;
            }

            throw;
        }

        Flush();
    }

    private List<Attempt> DecideLocked()
    {
        var starts = new List<Attempt>();
        var free = _servers.Values.Where(s => InRotation(s) && s.InFlight < s.Capacity).ToList();
        var revisit = new List<Slot>();
        while (free.Count > 0)
        {
            free.Sort((a, b) => a.InFlight != b.InFlight ? a.InFlight.CompareTo(b.InFlight)
                : a.LastAssignment != b.LastAssignment ? a.LastAssignment.CompareTo(b.LastAssignment)
                : a.Order.CompareTo(b.Order));
            var asking = free[0];
            _passedOverBusy = false;
            var item = _queue.Reserve(new Filter(this, asking));
            if (item is null)
            {
                free.RemoveAt(0);
                if (_passedOverBusy)
                {
                    // It left an item for a server that could start it now; if that server takes something else
                    // instead, this one is asked again rather than idling beside the waiting item.
                    revisit.Add(asking);
                }

                continue;
            }

            if (revisit.Count > 0)
            {
                free.AddRange(revisit.Where(s => s.InFlight < s.Capacity));
                revisit.Clear();
            }

            if (!_items.TryGetValue(item.Id, out var state))
            {
                // Not ours (a shared queue holding another process's item would need an owner check here; the in-memory
                // queue only holds ours, and a cancelled item is removed from it first).
                _queue.Ack(item.Id);
                continue;
            }

            var tier = free
                .Where(s => s.InFlight == asking.InFlight && (ReferenceEquals(s, asking) || new Filter(this, s).MayRun(item)))
                .Select(s => s.Id)
                .ToList();
            var target = _servers[CheckpointAffinity.Choose(item.Requirements, tier, s => _servers[s].LastCheckpoint)];
            var now = _clock.Now;
            var attempt = new Attempt(state, target, item, now);
            state.Item = item;
            state.Current = attempt;
            state.Server = target.Id;
            var wait = now - state.ReadyAt;
            state.Wait += wait;
            target.InFlight++;
            target.Attempts.Add(attempt);
            target.LastAssignment = ++_assignments;
            target.LastCheckpoint = CheckpointAffinity.LoadedAfter(item.Requirements) ?? target.LastCheckpoint;
            Metrics.AttemptStarted(target.Id, wait);
            Metrics.SetBusy(target.Id, true);
            Stage(target);
            if (target.InFlight >= target.Capacity)
            {
                free.Remove(target);
            }

            starts.Add(attempt);
        }

        return starts;
    }

    private void Start(Attempt attempt)
    {
        if (attempt.Ended)
        {
            return;
        }

        IObservable<AttemptOutcome> outcomes;
        try
        {
            outcomes = _startAttempt(attempt.Snapshot, attempt.Server.Id);
        }
#pragma warning disable CA1031 // A seam that throws has failed this attempt; the scheduler must live on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            OnAttemptEnded(attempt, AttemptOutcome.Failure(ex));
            return;
        }

        attempt.Subscription.Disposable = outcomes.Subscribe(
            outcome => OnAttemptEnded(attempt, outcome ?? AttemptOutcome.Failure(new ComfyException("The attempt reported a null outcome."))),
            error => OnAttemptEnded(attempt, AttemptOutcome.Failure(error)),
            () => OnAttemptEnded(attempt, AttemptOutcome.Failure(new ComfyConnectionException(
                $"The attempt on '{attempt.Server.Id}' ended without a result."))));
    }

    private void OnAttemptEnded(Attempt attempt, AttemptOutcome outcome)
    {
        lock (_lock)
        {
            if (attempt.Ended || _disposed)
            {
                return;
            }

            var state = attempt.Item;
            var server = attempt.Server.Id;
            var hash = attempt.Snapshot.WorkflowHash;
            if (outcome.Succeeded)
            {
                EndAttemptLocked(attempt, "success");
                _queue.Ack(state.Item.Id);
                _cooldowns.RecordSuccess(server, hash);
                CompleteLocked(state, PoolItemStatus.Succeeded, null, outcome.Result);
            }
            else if (FailureClassifier.IsBusyWait(outcome.Error!))
            {
                EndAttemptLocked(attempt, "server_busy");
                ReleaseLocked(state, server, attempt.Snapshot.Attempts, outcome.Error!, outcome.PromptId);
            }
            else if (FailureClassifier.Classify(outcome.Error!, _options.IsWorkflowFault) == FailureKind.Workflow)
            {
                EndAttemptLocked(attempt, "workflow_fault");
                if (state.Item.RetryWorkflowFaults)
                {
                    // Retried like a server fault, but it says nothing about the server: no cooldown.
                    RequeueLocked(state, server, attempt.Snapshot.Attempts, outcome.Error!, outcome.PromptId);
                }
                else
                {
                    _queue.Ack(state.Item.Id);
                    NoticeFailureLocked(state, server, attempt.Snapshot.Attempts, outcome.Error!, willRetry: false, outcome.PromptId);
                    CompleteLocked(state, PoolItemStatus.Failed, outcome.Error);
                }
            }
            else
            {
                EndAttemptLocked(attempt, "server_fault");
                if (FailureClassifier.CountsTowardsCooldown(outcome.Error!))
                {
                    _cooldowns.RecordFailure(server, hash);
                }

                RequeueLocked(state, server, attempt.Snapshot.Attempts, outcome.Error!, outcome.PromptId);
            }
        }

        // Outside the lock: disposing may run the seam's cleanup (e.g. cancelling the prompt on the server).
        attempt.Subscription.Dispose();
        Pump();
    }

    private List<IDisposable> AbandonLocked(Slot slot, string reason)
    {
        var subscriptions = new List<IDisposable>();
        foreach (var attempt in slot.Attempts.ToList())
        {
            EndAttemptLocked(attempt, "aborted");
            RequeueLocked(attempt.Item, slot.Id, attempt.Snapshot.Attempts, new ComfyConnectionException(reason));
            subscriptions.Add(attempt.Subscription);
        }

        return subscriptions;
    }

    private void EndAttemptLocked(Attempt attempt, string metricOutcome)
    {
        attempt.Ended = true;
        var slot = attempt.Server;
        slot.Attempts.Remove(attempt);
        slot.InFlight--;
        var run = _clock.Now - attempt.StartedAt;
        attempt.Item.Run += run;
        if (ReferenceEquals(attempt.Item.Current, attempt))
        {
            attempt.Item.Current = null;
        }

        if (!slot.Removed)
        {
            Metrics.AttemptEnded(slot.Id, run, metricOutcome);
            Metrics.SetBusy(slot.Id, slot.InFlight > 0);
        }

        Stage(slot);
    }

    private void RequeueLocked(ItemState state, ServerId failedOn, int attemptNumber, Exception error, string? promptId = null)
    {
        state.LastError = error;
        switch (_queue.Nack(state.Item.Id, failedOn, out var item))
        {
            case NackResult.Requeued:
                state.Item = item!;
                state.ReadyAt = _clock.Now;
                state.BusyOn = null;
                if (_options.RetryDelay > TimeSpan.Zero)
                {
                    // Servers that failed it may take it again only after the delay (see Filter.MayTake): wake up then.
                    state.RetryAt = _clock.Now + _options.RetryDelay;
                    ArmRetryWakeLocked(state.RetryAt);
                }

                if (NoCapableServerLocked(item!.Requirements) is { } reasons)
                {
                    _queue.Remove(item.Id);
                    NoticeFailureLocked(state, failedOn, attemptNumber, error, willRetry: false, promptId);
                    CompleteLocked(state, PoolItemStatus.Failed, new ComfyNoCapableServerException(reasons));
                    break;
                }

                NoticeFailureLocked(state, failedOn, attemptNumber, error, willRetry: true, promptId);
                break;
            default:
                // Dead-lettered after its last attempt (or already gone): the caller sees the last failure.
                state.Item = item ?? state.Item;
                NoticeFailureLocked(state, failedOn, attemptNumber, error, willRetry: false, promptId);
                CompleteLocked(state, PoolItemStatus.Failed, error);
                break;
        }
    }

    /// <summary>Queues an item again after an attempt that only waited on a busy server: not counted, the server not
    /// avoided for good, only passed over while another server can take the item now.</summary>
    private void ReleaseLocked(ItemState state, ServerId busyOn, int attemptNumber, Exception error, string? promptId)
    {
        state.LastError = error;
        if (_queue.Release(state.Item.Id) is not { } item)
        {
            CompleteLocked(state, PoolItemStatus.Failed, error);
            return;
        }

        state.Item = item;
        state.ReadyAt = _clock.Now;
        state.BusyOn = busyOn;
        NoticeFailureLocked(state, busyOn, attemptNumber, error, willRetry: true, promptId);
    }

    private void NoticeFailureLocked(ItemState state, ServerId server, int attemptNumber, Exception error, bool willRetry, string? promptId)
    {
        var failure = new AttemptFailure(state.Item.Id, server, attemptNumber, error, willRetry, promptId);
        _notices.Add(() => _attemptFailures.OnNext(failure));
    }

    /// <summary>Makes sure a wake-up is due no later than <paramref name="due"/>; the earliest one wins.</summary>
    private void ArmRetryWakeLocked(DateTimeOffset due)
    {
        if (_disposed || _retryWakeDue is { } armed && armed <= due)
        {
            return;
        }

        _retryWakeDue = due;
        _retryWake.Disposable = Deadline.Schedule(_clock, due, OnRetryWake);
    }

    private void OnRetryWake()
    {
        lock (_lock)
        {
            _retryWakeDue = null;
        }

        Pump();
        lock (_lock)
        {
            // Items that became takeable were decided just now; the next one still in its delay gets the next wake-up.
            var now = _clock.Now;
            var next = _items.Values.Where(s => s.Current is null && s.RetryAt > now).Select(s => (DateTimeOffset?)s.RetryAt).Min();
            if (next is { } due)
            {
                ArmRetryWakeLocked(due);
            }
        }
    }

    /// <summary>
    /// The liveness invariant (see the remarks): the waiting items that nothing pending will ever release, each with the
    /// state that strands it. Empty
    /// unless the scheduler has a bug; call it when no decision is running (tests).
    /// </summary>
    internal List<string> FindStrandedItems()
    {
        lock (_lock)
        {
            var now = _clock.Now;
            var stranded = new List<string>();
            foreach (var state in _items.Values.Where(s => s.Current is null))
            {
                var item = state.Item;
                var released = _servers.Values.Any(slot =>
                    (slot.Capabilities is null || MatchLocked(slot, item.Requirements).CanRun) &&
                    (!InRotation(slot) || slot.InFlight > 0 || _cooldowns.IsCoolingDown(slot.Id, item.WorkflowHash) ||
                     (item.ExcludedServers.Contains(slot.Id) && _retryWakeDue <= state.RetryAt)));
                if (!released)
                {
                    var servers = string.Join(", ", _servers.Values.Select(slot =>
                        $"{slot.Id} {slot.Health} {slot.InFlight}/{slot.Capacity}{(_cooldowns.IsCoolingDown(slot.Id, item.WorkflowHash) ? " cooling" : "")}"));
                    stranded.Add($"{item.Id} (excluded [{string.Join(", ", item.ExcludedServers)}], retry at {state.RetryAt:HH:mm:ss.fffffff}, " +
                        $"busy on {state.BusyOn}, wake-up {_retryWakeDue:HH:mm:ss.fffffff}, now {now:HH:mm:ss.fffffff}; servers {servers})");
                }
            }

            return stranded;
        }
    }

    private void CompleteLocked(ItemState state, PoolItemStatus status, Exception? error, JobResult? result = null)
    {
        if (!_items.Remove(state.Item.Id))
        {
            return;
        }

        var outcome = new PoolItemOutcome(state.Item.Id, status, state.Server, state.Item.Attempts, error, state.Wait, state.Run, result);

        // Outside the lock, after the attempt failures staged before it.
        _notices.Add(() =>
        {
            state.Completion.OnNext(outcome);
            state.Completion.OnCompleted();
        });
    }

    /// <summary>Fails every waiting item no server can run any more (after a removal or a capability change).</summary>
    private void FailOrphansLocked()
    {
        foreach (var state in _items.Values.Where(s => s.Current is null).ToList())
        {
            if (NoCapableServerLocked(state.Item.Requirements) is { } reasons)
            {
                _queue.Remove(state.Item.Id);
                CompleteLocked(state, PoolItemStatus.Failed, new ComfyNoCapableServerException(reasons));
            }
        }
    }

    /// <summary>Null when some server can (or may, capabilities unknown) run the requirements; else each server's reason.</summary>
    private Dictionary<ServerId, string>? NoCapableServerLocked(WorkflowRequirements requirements)
    {
        var reasons = new Dictionary<ServerId, string>();
        foreach (var slot in _servers.Values)
        {
            if (slot.Capabilities is null)
            {
                return null;
            }

            var match = MatchLocked(slot, requirements);
            if (match.CanRun)
            {
                return null;
            }

            reasons[slot.Id] = match.Reason;
        }

        return reasons;
    }

    private static CapabilityMatch MatchLocked(Slot slot, WorkflowRequirements requirements)
    {
        if (slot.Capabilities is null)
        {
            return CapabilityMatch.Capable;
        }

        if (!slot.Matches.TryGetValue(requirements.Key, out var match))
        {
            slot.Matches[requirements.Key] = match = CapabilityMatcher.Match(requirements, slot.Capabilities);
        }

        return match;
    }

    private void Stage(Slot slot) =>
        _outbox.Add((new ServerStatus(slot.Id, StateOf(slot), slot.InFlight, slot.Capacity), ++_statusVersion));

    /// <summary>Publishes staged statuses outside the lock; versions keep the board right if two flushes race.</summary>
    private void Flush()
    {
        List<(ServerStatus Status, long Version)> staged;
        List<Action> notices;
        lock (_lock)
        {
            if (_outbox.Count == 0 && _notices.Count == 0)
            {
                return;
            }

            staged = _outbox;
            _outbox = [];
            notices = _notices;
            _notices = [];
        }

        foreach (var (status, version) in staged)
        {
            _board.Publish(status, version);
        }

        foreach (var notice in notices)
        {
            notice();
        }
    }

    /// <summary>What one server may take, answered from the scheduler's state (called under its lock, by the queue).</summary>
    private sealed class Filter(PoolScheduler owner, Slot slot) : IReservationFilter
    {
        public bool CanRun(WorkflowRequirements requirements) =>
            slot.Capabilities is not null && MatchLocked(slot, requirements).CanRun;

        public bool IsCoolingDown(string workflowHash) => owner._cooldowns.IsCoolingDown(slot.Id, workflowHash);

        public bool MayTake(PoolWorkItem item)
        {
            if (owner._items.TryGetValue(item.Id, out var waiting) && waiting.BusyOn == slot.Id && AnotherServerTakesNow(item))
            {
                // It just waited here behind other work: a server that can start it now gets it first.
                owner._passedOverBusy = true;
                return false;
            }

            if (!item.ExcludedServers.Contains(slot.Id))
            {
                return true;
            }

            // Excluded here: only if no other server in rotation can run it and has not failed it, and not straight
            // away (a server answering 503 for a moment would otherwise use up every attempt within milliseconds).
            return !owner._servers.Values.Any(other =>
                    !ReferenceEquals(other, slot) && InRotation(other) && !item.ExcludedServers.Contains(other.Id) &&
                    MatchLocked(other, item.Requirements).CanRun) &&
                !(owner._items.TryGetValue(item.Id, out var state) && owner._clock.Now < state.RetryAt);
        }

        /// <summary>Whether another server in rotation, with room, may take the item now without any preference of its
        /// own holding it back (not busy for it, not excluded, not cooling down).</summary>
        private bool AnotherServerTakesNow(PoolWorkItem item) =>
            owner._servers.Values.Any(other =>
                !ReferenceEquals(other, slot) && InRotation(other) && other.InFlight < other.Capacity &&
                !item.ExcludedServers.Contains(other.Id) && MatchLocked(other, item.Requirements).CanRun &&
                !owner._cooldowns.IsCoolingDown(other.Id, item.WorkflowHash));

        public int CapableServerCount(WorkflowRequirements requirements)
        {
            if (!owner._scarcity.TryGetValue(requirements.Key, out var count))
            {
                owner._scarcity[requirements.Key] = count = owner._servers.Values.Count(s =>
                    s.Capabilities is not null && MatchLocked(s, requirements).CanRun);
            }

            return count;
        }

        /// <summary>Whether this server could take the item now (for the checkpoint tie-breaker).</summary>
        public bool MayRun(PoolWorkItem item) =>
            CanRun(item.Requirements) && !IsCoolingDown(item.WorkflowHash) && MayTake(item);
    }

    private sealed class Slot(ServerId id, int order, int capacity)
    {
        public ServerId Id { get; } = id;

        public int Order { get; } = order;

        public int Capacity { get; } = capacity;

        public ServerCapabilities? Capabilities { get; set; }

        public ServerHealth Health { get; set; } = ServerHealth.Unknown;

        public bool Removed { get; set; }

        public int InFlight { get; set; }

        public long LastAssignment { get; set; }

        public string? LastCheckpoint { get; set; }

        public HashSet<Attempt> Attempts { get; } = [];

        public Dictionary<string, CapabilityMatch> Matches { get; } = new(StringComparer.Ordinal);
    }

    private sealed class ItemState(PoolWorkItem item, DateTimeOffset readyAt)
    {
        public PoolWorkItem Item { get; set; } = item;

        /// <summary>The one outcome, replayed to whoever subscribes (before or after it is decided).</summary>
        public AsyncSubject<PoolItemOutcome> Completion { get; } = new();

        public Attempt? Current { get; set; }

        public ServerId? Server { get; set; }

        public DateTimeOffset ReadyAt { get; set; } = readyAt;

        public TimeSpan Wait { get; set; }

        public TimeSpan Run { get; set; }

        public Exception? LastError { get; set; }

        /// <summary>When a server that failed it may take it again.</summary>
        public DateTimeOffset RetryAt { get; set; }

        /// <summary>The server its last attempt waited on behind other work (<see cref="FailureClassifier.IsBusyWait"/>),
        /// passed over while another server can take it now; null after any other outcome.</summary>
        public ServerId? BusyOn { get; set; }
    }

    private sealed class Attempt(ItemState item, Slot server, PoolWorkItem snapshot, DateTimeOffset startedAt)
    {
        public ItemState Item { get; } = item;

        public Slot Server { get; } = server;

        public PoolWorkItem Snapshot { get; } = snapshot;

        public DateTimeOffset StartedAt { get; } = startedAt;

        public bool Ended { get; set; }

        public SingleAssignmentDisposable Subscription { get; } = new();
    }
}
