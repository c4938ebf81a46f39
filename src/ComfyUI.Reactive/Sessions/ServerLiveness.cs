using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Subjects;

namespace ComfyUI.Reactive.Sessions;

/// <summary>
/// The one liveness verdict of a server, shared by its jobs and a pool: the socket's state plus one poller of
/// <c>GET /queue</c> that runs only while the socket is down and somebody watches (<see cref="Watch"/>).
/// </summary>
/// <remarks>
/// <para><b>The rule.</b> A connected socket means <see cref="Liveness.Up"/>. While the socket is down, two requests in a
/// row whose connection was <b>refused</b> (nothing listens on the port any more) mean <see cref="Liveness.Dead"/>; any
/// answer of any status, and any timeout, starts the count again (something accepted the connection: a slow or
/// overloaded server whose prompts still run — declaring it dead would run them twice). Other transport errors (a
/// kept-alive connection the dying server reset) prove nothing either way. A refused request while the socket is up
/// proves nothing either (a proxy hiccup).</para>
/// <para><b>The timing</b> (on the client's scheduler): a poll at once when the socket drops, the next 0.5 s after it
/// ends (a dying server closes its sockets before its port, so the first may still be answered), then every 0.5 s
/// while a refusal waits for its confirmation and every second otherwise. So a killed server is <see cref="Liveness.Dead"/>
/// 0.5–1.5 s after its socket closed. Polls never overlap.</para>
/// <para>The answers (<see cref="Snapshots"/>) are what jobs reconcile from during an outage, so one request per beat
/// serves both questions.</para>
/// </remarks>
internal sealed class ServerLiveness : IDisposable
{
    internal static readonly TimeSpan ConfirmAfter = TimeSpan.FromMilliseconds(500);
    internal static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    internal const int RefusalsToDeclareDead = 2;

    private readonly Func<CancellationToken, Task<Models.QueueState>> _poll;
    private readonly IObservable<ConnectionState> _connection;
    private readonly IScheduler _scheduler;
    private readonly Func<long> _stamp;
    private readonly Lock _lock = new();
    private readonly BehaviorSubject<LivenessVerdict> _verdicts = new(LivenessVerdict.Unknown);
    private readonly Subject<QueueSnapshot> _snapshots = new();
    private readonly SerialDisposable _timer = new();
    private readonly List<Func<bool>> _watchers = [];
    private IDisposable? _subscription;
    private Task _lastPoll = Task.CompletedTask;
    private bool _socketUp;
    private bool _everConnected;
    private bool _closed;
    private bool _polling;
    private bool _timerArmed;
    private int _pollsSinceDrop;
    private int _refusals;

    /// <summary>Creates the liveness of one server; nothing runs until the first <see cref="Watch"/>.</summary>
    /// <param name="poll">One poll: <c>GET /queue</c>.</param>
    /// <param name="connection">The socket's state, replaying the latest.</param>
    /// <param name="scheduler">Runs the poll cadence.</param>
    /// <param name="stamp">The session's stamp, taken before each poll leaves.</param>
    public ServerLiveness(
        Func<CancellationToken, Task<Models.QueueState>> poll, IObservable<ConnectionState> connection, IScheduler scheduler, Func<long> stamp)
    {
        _poll = poll;
        _connection = connection;
        _scheduler = scheduler;
        _stamp = stamp;
    }

    /// <summary>The verdict: replays the latest, then every change, on the thread that decided it.</summary>
    public IObservable<LivenessVerdict> Verdicts => _verdicts.AsObservable();

    /// <summary>The latest verdict.</summary>
    public LivenessVerdict Current => _verdicts.Value;

    /// <summary>Every answered poll (only polled while the socket is down).</summary>
    public IObservable<QueueSnapshot> Snapshots => _snapshots.AsObservable();

    /// <summary>The latest poll, including the delivery of its answer (tests await it instead of sleeping).</summary>
    public Task LastPoll => Volatile.Read(ref _lastPoll);

    /// <summary>The verdicts, watched: polls run while the socket is down for as long as the subscription lives.</summary>
    public IObservable<LivenessVerdict> Watched() => Observable.Create<LivenessVerdict>(observer =>
        new CompositeDisposable(Watch(static () => true), Verdicts.Subscribe(observer)));

    /// <summary>Registers an interest in polls: they run while the socket is down and any watcher returns true.</summary>
    /// <param name="wanted">Whether polls are wanted now (e.g. "jobs are in flight"); read at every beat.</param>
    /// <returns>Disposing it withdraws the interest.</returns>
    public IDisposable Watch(Func<bool> wanted)
    {
        bool subscribe;
        lock (_lock)
        {
            _watchers.Add(wanted);
            subscribe = _subscription is null && !_closed;
            _subscription ??= Disposable.Empty;
        }

        if (subscribe)
        {
            var subscription = _connection.Subscribe(OnConnection, _ => OnConnection(ConnectionState.Closed), () => OnConnection(ConnectionState.Closed));
            lock (_lock)
            {
                _subscription = subscription;
            }
        }

        Wake();
        return Disposable.Create(() =>
        {
            lock (_lock)
            {
                _watchers.Remove(wanted);
            }
        });
    }

    /// <summary>Polls now if the socket is down, polls are wanted and none is running or armed (a new watcher's need).</summary>
    public void Wake()
    {
        lock (_lock)
        {
            if (_timerArmed || _polling)
            {
                return;
            }
        }

        Poll();
    }

    /// <summary>Some request to the server was answered: refusals before it no longer count.</summary>
    public void Answered()
    {
        lock (_lock)
        {
            _refusals = 0;
            if (!_socketUp && !_closed)
            {
                Publish(NotDead());
            }
        }
    }

    public void Dispose() => OnConnection(ConnectionState.Closed);

    private void OnConnection(ConnectionState state)
    {
        var pollNow = false;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            switch (state)
            {
                case ConnectionState.Connected:
                    _socketUp = true;
                    _everConnected = true;
                    _refusals = 0;
                    CancelTimer();
                    Publish(LivenessVerdict.Up);
                    break;
                case ConnectionState.Closed:
                    _closed = true;
                    _socketUp = false;
                    CancelTimer();
                    _subscription?.Dispose();
                    Publish(LivenessVerdict.Closed);
                    _verdicts.OnCompleted();
                    _snapshots.OnCompleted();
                    break;
                default:
                    if (_socketUp)
                    {
                        // A drop: ask at once rather than at the next beat, so a finished job or a dead server is known sooner.
                        _socketUp = false;
                        _pollsSinceDrop = 0;
                        CancelTimer();
                        Publish(LivenessVerdict.Disconnected);
                        pollNow = true;
                    }
                    else
                    {
                        pollNow = !_timerArmed && !_polling;
                    }

                    break;
            }
        }

        if (pollNow)
        {
            Poll();
        }
    }

    private void Poll()
    {
        long stamp;
        lock (_lock)
        {
            _timerArmed = false;
            if (_closed || _socketUp || _polling || !_watchers.Any(static w => w()))
            {
                return;
            }

            _polling = true;
            stamp = _stamp();
        }

        Volatile.Write(ref _lastPoll, PollAsync(stamp));
    }

    private async Task PollAsync(long stamp)
    {
        Models.QueueState? answer = null;
        Exception? error = null;
        try
        {
            answer = await _poll(CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Every failure of a poll is a verdict input, never a crash.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            error = ex;
        }

        lock (_lock)
        {
            _polling = false;
            if (_closed || _socketUp)
            {
                return;
            }

            _pollsSinceDrop++;
            if (answer is not null || (error is not null and not ComfyConnectionException))
            {
                _refusals = 0;
                Publish(NotDead());
            }
            else if (error is ComfyConnectionException { IsConnectionRefused: true } && ++_refusals >= RefusalsToDeclareDead)
            {
                Publish(new LivenessVerdict(Liveness.Dead, error));
            }

            var next = _pollsSinceDrop == 1 || _refusals > 0 ? ConfirmAfter : PollInterval;
            _timerArmed = true;
            _timer.Disposable = _scheduler.Schedule(next, Poll);
        }

        if (answer is not null)
        {
            _snapshots.OnNext(new QueueSnapshot(answer, stamp));
        }
    }

    private void CancelTimer()
    {
        _timerArmed = false;
        _timer.Disposable = Disposable.Empty;
    }

    // Only called while the socket is down: what an answer from a server thought dead makes of it.
    private LivenessVerdict NotDead() => _everConnected ? LivenessVerdict.Disconnected : LivenessVerdict.Unknown;

    // Under the lock, so verdicts are emitted in the order they were decided.
    private void Publish(LivenessVerdict verdict)
    {
        if (verdict.State != _verdicts.Value.State)
        {
            _verdicts.OnNext(verdict);
        }
    }
}
