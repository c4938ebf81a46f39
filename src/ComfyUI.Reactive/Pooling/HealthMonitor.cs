using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Reactive.Concurrency;
using ComfyUI.Reactive.Sessions;

namespace ComfyUI.Reactive.Pooling;

/// <summary>
/// Watches one server for a pool: the server session's liveness verdict (<see cref="ServerLiveness"/>: up, disconnected,
/// dead — the same verdict the client's jobs act on) plus, while the socket is up, HTTP probes on an interval, combined
/// into one <see cref="ServerHealth"/> (see there for each state's meaning). All timing runs on the injected scheduler.
/// </summary>
/// <remarks>
/// <para><b>Rules.</b> Whether a server whose socket dropped is dead or only disconnected is the session's verdict,
/// decided once per server by one poller for the jobs and the pool alike (so a pooled client does not poll twice during
/// an outage). While the socket is up, <see cref="HealthMonitorOptions.FailureThreshold"/> consecutive failed probes make
/// the server Unhealthy and one success makes it Healthy again; a reconnect resets the count.</para>
/// <para>Probes run only while the socket is up and never overlap: the next is scheduled an interval after the previous
/// ended.</para>
/// <para><see cref="Health"/> replays the latest state and emits only changes, on the thread that caused them (a probe's
/// completion, a connection-state callback, or the scheduler).</para>
/// </remarks>
internal sealed class HealthMonitor : IDisposable
{
    private readonly Func<CancellationToken, Task> _probe;
    private readonly IObservable<LivenessVerdict> _liveness;
    private readonly HealthMonitorOptions _options;
    private readonly IScheduler _scheduler;
    private readonly Lock _lock = new();
    private readonly BehaviorSubject<ServerHealth> _health = new(ServerHealth.Unknown);
    private readonly SerialDisposable _nextProbe = new();
    private readonly SerialDisposable _connectionSubscription = new();
    private ProbeRun? _running;
    private Liveness _verdict;
    private bool _closed;
    private bool _disposed;
    private int _failures;

    /// <summary>Creates a monitor; nothing runs until <see cref="Start"/>.</summary>
    /// <param name="probe">One HTTP probe: completes when the server answered, faults or hangs otherwise (it is cancelled
    /// at the timeout). Production: <see cref="QueueStatusProbe"/>.</param>
    /// <param name="liveness">The server's liveness verdict, replaying the latest and watched (polls run while it is
    /// subscribed: <c>ServerLiveness.Watched()</c>).</param>
    /// <param name="options">Interval, timeout and threshold.</param>
    /// <param name="scheduler">Runs the interval and the timeouts.</param>
    public HealthMonitor(
        Func<CancellationToken, Task> probe, IObservable<LivenessVerdict> liveness, HealthMonitorOptions options, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(liveness);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Validate();
        _probe = probe;
        _liveness = liveness;
        _options = options;
        _scheduler = scheduler;
    }

    /// <summary>The server's health: replays the latest, then every change.</summary>
    public IObservable<ServerHealth> Health => _health.AsObservable();

    /// <summary>The latest health.</summary>
    public ServerHealth Current => _health.Value;

    /// <summary>The production probe: <c>GET /prompt</c> (the queue status), the cheapest route that proves the server's
    /// HTTP side is up.</summary>
    /// <param name="client">The server's client.</param>
    /// <returns>The probe.</returns>
    public static Func<CancellationToken, Task> QueueStatusProbe(ComfyClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return ct => client.Api.GetQueueStatusAsync(ct);
    }

    /// <summary>Subscribes to the liveness verdict; probes start when the socket is up.</summary>
    public void Start()
    {
        _connectionSubscription.Disposable = _liveness.Subscribe(
            v => OnVerdict(v.State),
            _ => OnVerdict(Liveness.Closed),
            () => OnVerdict(Liveness.Closed));
    }

    /// <summary>Stops probing and completes <see cref="Health"/>.</summary>
    public void Dispose()
    {
        ProbeRun? running;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            running = _running;
            _running = null;
        }

        running?.Dispose();
        _connectionSubscription.Dispose();
        _nextProbe.Dispose();
        _health.OnCompleted();
        _health.Dispose();
    }

    private void OnVerdict(Liveness verdict)
    {
        bool up;
        lock (_lock)
        {
            if (_disposed || _closed)
            {
                return;
            }

            var wasUp = _verdict == Liveness.Up;
            _verdict = verdict;
            _closed = verdict == Liveness.Closed;
            up = verdict == Liveness.Up;
            if (up && !wasUp)
            {
                _failures = 0;
            }

            Publish();
            if (up == wasUp)
            {
                return;
            }
        }

        if (up)
        {
            StartProbe(supersede: false);
        }
        else
        {
            // The session polls while the socket is down; probes would only ask the same question again.
            _nextProbe.Disposable = Disposable.Empty;
            CancelRunning();
        }
    }

    private void StartProbe(bool supersede)
    {
        ProbeRun run;
        ProbeRun? superseded;
        lock (_lock)
        {
            if (_disposed || _closed || _verdict != Liveness.Up || (_running is not null && !supersede))
            {
                return;
            }

            superseded = _running;
            run = new ProbeRun();
            _running = run;
        }

        superseded?.Dispose();
        _nextProbe.Disposable = Disposable.Empty;
        run.Timeout.Disposable = _scheduler.Schedule(_options.ProbeTimeout, () => ProbeEnded(run, succeeded: false));
        Task task;
        try
        {
            task = _probe(run.Token);
        }
#pragma warning disable CA1031 // Any exception of a probe means "the server did not answer".
        catch (Exception ex)
#pragma warning restore CA1031
        {
            task = Task.FromException(ex);
        }

        task.ContinueWith(
            t =>
            {
                // Observed: a failed probe is an answer, not an unobserved crash.
                _ = t.Exception;
                ProbeEnded(run, t.Status == TaskStatus.RanToCompletion);
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void ProbeEnded(ProbeRun run, bool succeeded)
    {
        lock (_lock)
        {
            if (_disposed || !ReferenceEquals(_running, run))
            {
                return;
            }

            _running = null;
            _failures = succeeded ? 0 : _failures + 1;

            Publish();
        }

        run.Dispose();
        ScheduleNextProbe();
    }

    private void ScheduleNextProbe()
    {
        TimeSpan delay;
        lock (_lock)
        {
            if (_disposed || _closed || _verdict != Liveness.Up || _running is not null || _options.NextProbeDelay() is not { } next)
            {
                return;
            }

            delay = next;
        }

        var scheduled = _scheduler.Schedule(delay, () => StartProbe(supersede: false));
        lock (_lock)
        {
            if (!_disposed && !_closed && _verdict == Liveness.Up && _running is null)
            {
                _nextProbe.Disposable = scheduled;
                return;
            }
        }

        scheduled.Dispose();
    }

    private void CancelRunning()
    {
        ProbeRun? running;
        lock (_lock)
        {
            running = _running;
            _running = null;
        }

        running?.Dispose();
    }

    private ServerHealth Compute() => _verdict switch
    {
        Liveness.Closed or Liveness.Dead => ServerHealth.Dead,
        Liveness.Disconnected => ServerHealth.Disconnected,
        Liveness.Unknown => ServerHealth.Unknown,
        _ => _failures >= _options.FailureThreshold ? ServerHealth.Unhealthy : ServerHealth.Healthy,
    };

    // Called under the lock so that changes are emitted in the order they were decided.
    private void Publish()
    {
        var health = Compute();
        if (health != _health.Value)
        {
            _health.OnNext(health);
        }
    }

    /// <summary>One probe: its cancellation and timeout timer. Disposing it cancels the probe.</summary>
    private sealed class ProbeRun : IDisposable
    {
        private readonly CancellationTokenSource _cts = new();
        private int _cancelled;

        public ProbeRun() => Token = _cts.Token;

        public SingleAssignmentDisposable Timeout { get; } = new();

        // Captured at creation: a superseding probe may cancel and dispose the source before the probe function reads it.
        public CancellationToken Token { get; }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _cancelled, 1) != 0)
            {
                return;
            }

            Timeout.Dispose();
            _cts.Cancel();
            _cts.Dispose();
        }
    }
}
