using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Reactive.Concurrency;

namespace ComfyUI.Reactive.Pooling;

/// <summary>
/// Watches one server: HTTP probes on an interval plus the websocket's <see cref="ConnectionState"/>, combined into one
/// <see cref="ServerHealth"/> (see there for each state's meaning). All timing runs on the injected scheduler.
/// </summary>
/// <remarks>
/// <para><b>Rules.</b> A connected socket is evidence the server lives (it resets the failure count). While the socket is
/// connected, <see cref="HealthMonitorOptions.FailureThreshold"/> consecutive failed probes make the server Unhealthy and
/// one success makes it Healthy again. When the socket drops, a probe starts at once (superseding one in flight): if its
/// connection is <b>refused</b> the server is Dead — a socket that closes while nothing listens on the server's port any
/// more means the process is gone — and otherwise it is only Disconnected; a later refused probe while the socket is
/// still down makes it Dead. Only a refusal counts: a timeout or a 5xx while the socket is down is a slow or overloaded
/// server whose prompts still run, and declaring it dead would run them twice. While
/// the socket is down probes run every <see cref="HealthMonitorOptions.DisconnectedInterval"/> (1 s), so that transition is
/// seen within about a second even when <see cref="HealthMonitorOptions.Interval"/> is long: a server shutting down may
/// close its sockets while its HTTP side still answers for a moment.</para>
/// <para>Probes never overlap: the next is scheduled an interval after the previous ended.</para>
/// <para><see cref="Health"/> replays the latest state and emits only changes, on the thread that caused them (a probe's
/// completion, a connection-state callback, or the scheduler).</para>
/// </remarks>
internal sealed class HealthMonitor : IDisposable
{
    private readonly Func<CancellationToken, Task> _probe;
    private readonly IObservable<ConnectionState> _connection;
    private readonly HealthMonitorOptions _options;
    private readonly IScheduler _scheduler;
    private readonly Lock _lock = new();
    private readonly BehaviorSubject<ServerHealth> _health = new(ServerHealth.Unknown);
    private readonly SerialDisposable _nextProbe = new();
    private readonly SerialDisposable _connectionSubscription = new();
    private ProbeRun? _running;
    private bool _socketUp;
    private bool _everConnected;
    private bool _closed;
    private bool _disposed;
    private bool _lastProbeRefused;
    private int _failures;

    /// <summary>Creates a monitor; nothing runs until <see cref="Start"/>.</summary>
    /// <param name="probe">One HTTP probe: completes when the server answered, faults or hangs otherwise (it is cancelled
    /// at the timeout). Production: <see cref="QueueStatusProbe"/>.</param>
    /// <param name="connection">The server's websocket state, replaying the latest (<c>ComfyClient.Connection</c>).</param>
    /// <param name="options">Interval, timeout and threshold.</param>
    /// <param name="scheduler">Runs the interval and the timeouts.</param>
    public HealthMonitor(
        Func<CancellationToken, Task> probe, IObservable<ConnectionState> connection, HealthMonitorOptions options, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Validate();
        _probe = probe;
        _connection = connection;
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

    /// <summary>Subscribes to the connection state and starts probing (the first probe runs at once).</summary>
    public void Start()
    {
        _connectionSubscription.Disposable = _connection.Subscribe(
            OnConnection,
            _ => OnConnection(ConnectionState.Closed),
            () => OnConnection(ConnectionState.Closed));
        StartProbe(supersede: false);
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

    private void OnConnection(ConnectionState state)
    {
        var probeNow = false;
        bool closed;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            switch (state)
            {
                case ConnectionState.Connected:
                    _socketUp = true;
                    _everConnected = true;
                    _failures = 0;
                    _lastProbeRefused = false;
                    break;
                case ConnectionState.Closed:
                    _socketUp = false;
                    _closed = true;
                    break;
                default:
                    probeNow = _socketUp;
                    _socketUp = false;
                    break;
            }

            closed = _closed;
            Publish();
        }

        if (closed)
        {
            _nextProbe.Disposable = Disposable.Empty;
            CancelRunning();
        }
        else if (probeNow)
        {
            StartProbe(supersede: true);
        }
        else if (state == ConnectionState.Connected)
        {
            // Back from the faster while-disconnected cadence to the normal one.
            ScheduleNextProbe();
        }
    }

    private void StartProbe(bool supersede)
    {
        ProbeRun run;
        ProbeRun? superseded;
        lock (_lock)
        {
            if (_disposed || _closed || (_running is not null && !supersede))
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
                var refused = t.Exception?.InnerExceptions.Any(e => e is ComfyConnectionException { IsConnectionRefused: true }) == true;
                ProbeEnded(run, t.Status == TaskStatus.RanToCompletion, refused);
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void ProbeEnded(ProbeRun run, bool succeeded, bool refused = false)
    {
        lock (_lock)
        {
            if (_disposed || !ReferenceEquals(_running, run))
            {
                return;
            }

            _running = null;
            if (succeeded)
            {
                _failures = 0;
                _lastProbeRefused = false;
            }
            else
            {
                _failures++;
                _lastProbeRefused = refused;
            }

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
            if (_disposed || _closed || _running is not null || _options.NextProbeDelay(_socketUp) is not { } next)
            {
                return;
            }

            delay = next;
        }

        var scheduled = _scheduler.Schedule(delay, () => StartProbe(supersede: false));
        lock (_lock)
        {
            if (!_disposed && !_closed && _running is null)
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

    private ServerHealth Compute()
    {
        if (_closed)
        {
            return ServerHealth.Dead;
        }

        if (!_socketUp)
        {
            return _lastProbeRefused ? ServerHealth.Dead
                : _everConnected ? ServerHealth.Disconnected
                : ServerHealth.Unknown;
        }

        return _failures >= _options.FailureThreshold ? ServerHealth.Unhealthy : ServerHealth.Healthy;
    }

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
