using System.Reactive.Concurrency;
using System.Reactive.Subjects;

namespace ComfyUI.Reactive.Pooling;

/// <summary>
/// Keeps a server away from one workflow after it failed that workflow repeatedly: after
/// <see cref="Threshold"/> consecutive server-fault failures of the same (server, workflow hash), the pair cools down for
/// <see cref="Period"/> (other workflows still go to the server, other servers still take the workflow). A success resets
/// the count; so does the end of a cooldown. Time runs on the injected scheduler.
/// </summary>
/// <remarks>Only failures classified <see cref="FailureKind.Server"/> are recorded: a workflow's own failures say nothing
/// about the server. N is honoured for every N ≥ 1: with N = 3 the third failure in a row starts the cooldown.</remarks>
internal sealed class CooldownTracker : IDisposable
{
    private readonly IScheduler _scheduler;
    private readonly Lock _lock = new();
    private readonly Dictionary<CooldownPair, State> _states = [];
    private readonly Subject<CooldownPair> _expired = new();
    private bool _disposed;

    /// <summary>Creates a tracker.</summary>
    /// <param name="threshold">Consecutive failures that start a cooldown; 0 disables cooldowns.</param>
    /// <param name="period">How long a cooldown lasts; zero disables cooldowns.</param>
    /// <param name="scheduler">The clock and timer.</param>
    public CooldownTracker(int threshold, TimeSpan period, IScheduler scheduler)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threshold);
        ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(scheduler);
        Threshold = threshold;
        Period = period;
        _scheduler = scheduler;
    }

    /// <summary>Consecutive failures that start a cooldown (0: never).</summary>
    public int Threshold { get; }

    /// <summary>How long a cooldown lasts.</summary>
    public TimeSpan Period { get; }

    /// <summary>Emits a pair when its cooldown ends (on the scheduler), so the caller can offer it work again.</summary>
    public IObservable<CooldownPair> Expired => _expired;

    private bool Enabled => Threshold > 0 && Period > TimeSpan.Zero;

    /// <summary>Records a server-fault failure.</summary>
    /// <param name="server">The server.</param>
    /// <param name="workflowHash">The workflow's structural hash.</param>
    /// <returns>True when this failure started a cooldown.</returns>
    public bool RecordFailure(ServerId server, string workflowHash)
    {
        ArgumentNullException.ThrowIfNull(workflowHash);
        if (!Enabled)
        {
            return false;
        }

        var key = new CooldownPair(server, workflowHash);
        lock (_lock)
        {
            if (_disposed)
            {
                return false;
            }

            if (!_states.TryGetValue(key, out var state))
            {
                _states[key] = state = new State();
            }

            if (state.Until is { } until && _scheduler.Now < until)
            {
                return false;
            }

            state.Failures++;
            if (state.Failures < Threshold)
            {
                return false;
            }

            state.Failures = 0;
            state.Until = _scheduler.Now + Period;
            state.Timer?.Dispose();
            state.Timer = Deadline.Schedule(_scheduler, state.Until.Value, () => End(key, state));
            return true;
        }
    }

    /// <summary>Records a success: the pair's failure count starts again from zero.</summary>
    /// <param name="server">The server.</param>
    /// <param name="workflowHash">The workflow's structural hash.</param>
    public void RecordSuccess(ServerId server, string workflowHash)
    {
        ArgumentNullException.ThrowIfNull(workflowHash);
        lock (_lock)
        {
            // Count first: this runs once per job, and with no failure on record (the usual case) there is nothing to look up.
            if (_states.Count > 0 && _states.TryGetValue(new CooldownPair(server, workflowHash), out var state) && state.Until is null)
            {
                _states.Remove(new CooldownPair(server, workflowHash));
            }
        }
    }

    /// <summary>Whether the pair is cooling down now.</summary>
    /// <param name="server">The server.</param>
    /// <param name="workflowHash">The workflow's structural hash.</param>
    /// <returns>True while the cooldown lasts.</returns>
    public bool IsCoolingDown(ServerId server, string workflowHash)
    {
        lock (_lock)
        {
            // By the clock, not by the timer: a timer that has not run yet must not extend a cooldown.
            // Count first: asked for every waiting group at every decision, and usually nothing is on record.
            return _states.Count > 0 && _states.TryGetValue(new CooldownPair(server, workflowHash), out var state) && state.Until is { } until && _scheduler.Now < until;
        }
    }

    /// <summary>Whether the pair's cooldown has a pending end: cooling down now, or over by the clock while its timer (which
    /// publishes <see cref="Expired"/>) has not run yet. What the pool's liveness check counts on to release a job.</summary>
    /// <param name="server">The server.</param>
    /// <param name="workflowHash">The workflow's structural hash.</param>
    /// <returns>True until the pair's expiry has been published.</returns>
    public bool HasPendingExpiry(ServerId server, string workflowHash)
    {
        lock (_lock)
        {
            return _states.TryGetValue(new CooldownPair(server, workflowHash), out var state) && state.Until is not null;
        }
    }

    /// <summary>Forgets every pair of a server (it left the pool).</summary>
    /// <param name="server">The server.</param>
    public void Forget(ServerId server)
    {
        lock (_lock)
        {
            foreach (var key in _states.Keys.Where(k => k.Server == server).ToList())
            {
                _states[key].Timer?.Dispose();
                _states.Remove(key);
            }
        }
    }

    /// <summary>Cancels every timer and completes <see cref="Expired"/>.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var state in _states.Values)
            {
                state.Timer?.Dispose();
            }

            _states.Clear();
        }

        _expired.OnCompleted();
        _expired.Dispose();
    }

    private void End(CooldownPair key, State state)
    {
        lock (_lock)
        {
            if (_disposed || !_states.TryGetValue(key, out var current) || !ReferenceEquals(current, state))
            {
                return;
            }

            _states.Remove(key);
        }

        _expired.OnNext(key);
    }

    private sealed class State
    {
        public int Failures { get; set; }

        public DateTimeOffset? Until { get; set; }

        public IDisposable? Timer { get; set; }
    }
}

/// <summary>A server and a workflow hash, the unit a cooldown applies to. A class, not a tuple: the tracker's dictionary
/// and subject share the framework's precompiled code (see <c>SharedGenericCodeTests</c>).</summary>
/// <param name="Server">The server.</param>
/// <param name="Hash">The workflow's structural hash.</param>
internal sealed record CooldownPair(ServerId Server, string Hash);
