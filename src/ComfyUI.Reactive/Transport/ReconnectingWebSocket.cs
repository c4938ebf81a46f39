using System.Globalization;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Reactive.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ComfyUI.Reactive.Transport;

/// <summary>
/// One logical websocket to a server that survives any number of physical connections: it connects, greets the server
/// with a caller-given first text frame, publishes every received message on one hot stream, and after EVERY
/// disconnect (and every failed attempt, the very first included) reconnects with capped, jittered backoff, forever,
/// until disposed.
/// </summary>
/// <remarks>
/// <para><b>Connected</b> means: the socket is open, the hello frame was sent, and the server's first message arrived
/// (ComfyUI always speaks first with a <c>status</c> frame). A connect attempt (TCP, upgrade, hello, first message) is
/// bounded by the connect timeout on the scheduler; a server that accepts and closes at once, or accepts and stays
/// silent, counts as a failed attempt, so its retries back off instead of hammering it.</para>
/// <para><b>Silence is not death.</b> Nothing here reconnects because no message came for a while: ComfyUI sends
/// nothing while idle. Only a real close or error ends a connection (the production socket also pings, see
/// <see cref="WebsocketClientConnector"/>).</para>
/// <para><b>Backoff</b> (<see cref="ReconnectBackoff"/>): the n-th consecutive retry waits <c>min(initial·2ⁿ, max)</c>
/// jittered; the count resets only after a connection stayed Connected for at least the maximum delay, so a server
/// that greets and drops at once still backs off.</para>
/// <para><b>Same client id, old socket first.</b> Before the next attempt the previous connection is closed and its
/// close awaited (bounded by the connect timeout): ComfyUI's cleanup of an old socket with the same <c>clientId</c>
/// would otherwise unregister the new one.</para>
/// <para><b>Streams</b> never call <c>OnError</c>: refused connections, resets, server closes and bad data are logged
/// and retried. Both complete when the socket is disposed. <see cref="State"/> replays the latest state (after
/// disposal: <see cref="ConnectionState.Closed"/>, then completion).</para>
/// <para><b>Subscriber exceptions</b> are isolated per subscriber: an exception escaping one subscriber's callback
/// is caught and logged, the receive loop, the connection and every other subscriber carry on, and that subscriber
/// keeps its subscription (Rx operators in its own chain may already have ended it).</para>
/// <para><b>Threading</b>: messages are delivered one at a time on the socket's receive thread (never two at once,
/// also across reconnects); state changes on the thread that caused them (receive thread, timer, disposer).
/// Subscribers must not block; use <c>ObserveOn</c> for slow work.</para>
/// <para><b>Virtual time</b>: every wait uses the scheduler, and internal continuations run synchronously, so with a
/// <c>TestScheduler</c> and a synchronous fake connector the whole policy runs deterministically on the test thread.</para>
/// </remarks>
internal sealed partial class ReconnectingWebSocket : IAsyncDisposable
{
    private readonly IWebSocketConnector _connector;
    private readonly WebSocketEndpoint _endpoint;
    private readonly string? _helloFrame;
    private readonly IScheduler _scheduler;
    private readonly ILogger _logger;
    private readonly ReconnectBackoff _backoff;
    private readonly TimeSpan _connectTimeout;
    private readonly TimeSpan _healthyAfter;

    private readonly Subject<WebSocketMessage> _messages = new();
    private readonly ReplaySubject<ConnectionState> _states = new(1);
    private readonly Subject<System.Reactive.Unit> _attemptsFailed = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _loopExited = new();
    private readonly TaskCompletionSource _disposed = new();
    private readonly Lock _gate = new();

    private volatile Session? _current;
    private volatile ConnectionState _state;
    private volatile bool _hasConnected;
    private bool _started;
    private bool _disposing;

    /// <summary>Creates the socket; nothing connects until <see cref="Start"/> or <see cref="ConnectAsync"/>.</summary>
    /// <param name="options">Base address, credentials, scheduler, delays, timeouts, message size limit and logger.</param>
    /// <param name="clientId">The session id sent as <c>clientId</c>, the same on every reconnect.</param>
    /// <param name="helloFrame">The text frame sent first on every new connection (ComfyUI only honours
    /// <c>feature_flags</c> as the very first frame), or null for none.</param>
    /// <param name="connector">Opens physical connections; default the Websocket.Client one.</param>
    /// <param name="random">The jitter source, values in [0, 1); default <see cref="Random.Shared"/>.</param>
    public ReconnectingWebSocket(
        ComfyClientOptions options,
        string clientId,
        string? helloFrame,
        IWebSocketConnector? connector = null,
        Func<double>? random = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _logger = options.Logger ?? NullLogger.Instance;
        _endpoint = WebSocketEndpoint.Create(options.BaseAddress, clientId, options.Credentials);
        _helloFrame = helloFrame;
        _connector = connector ?? new WebsocketClientConnector(options.MaxFrameBytes, _logger);
        _scheduler = options.Scheduler;
        _connectTimeout = options.ConnectTimeout;
        _healthyAfter = options.ReconnectMaxDelay;
#pragma warning disable CA5394 // Jitter spreads reconnects; it needs no unpredictability, only spread.
        _backoff = new ReconnectBackoff(options.ReconnectInitialDelay, options.ReconnectMaxDelay, random ?? Random.Shared.NextDouble);
#pragma warning restore CA5394
        _states.OnNext(ConnectionState.Disconnected);
    }

    /// <summary>Every message from every connection, in order; hot and shared. Completes on dispose, never errors.</summary>
    public IObservable<WebSocketMessage> Messages => new IsolatingObservable<WebSocketMessage>(_messages, SubscriberFailed);

    /// <summary>The connection state, replaying the latest to each new subscriber. Completes after
    /// <see cref="ConnectionState.Closed"/>, never errors.</summary>
    public IObservable<ConnectionState> State => new IsolatingObservable<ConnectionState>(_states, SubscriberFailed);

    /// <summary>Signals each connect attempt that failed (after the state became <see cref="ConnectionState.Reconnecting"/>);
    /// hot, completes on dispose. The state alone cannot say it: it stays Reconnecting from one failed attempt to the
    /// next.</summary>
    public IObservable<System.Reactive.Unit> AttemptsFailed => new IsolatingObservable<System.Reactive.Unit>(_attemptsFailed, SubscriberFailed);

    /// <summary>Whether a connection was ever established (Connected at least once).</summary>
    public bool HasConnected => _hasConnected;

    /// <summary>The latest state.</summary>
    public ConnectionState CurrentState => _state;

    /// <summary>The socket address with every secret replaced by <c>***</c>, for messages and logs.</summary>
    public string RedactedUri => _endpoint.RedactedUri;

    /// <summary>Starts connecting (and reconnecting, forever) in the background. Idempotent.</summary>
    /// <exception cref="ObjectDisposedException">The socket was disposed.</exception>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposing, this);
            if (_started)
            {
                return;
            }

            _started = true;
        }

        _ = RunAsync(_stop.Token);
    }

    /// <summary>Starts if needed and waits until <see cref="ConnectionState.Connected"/> (it keeps retrying until then).</summary>
    /// <param name="cancellationToken">Stops waiting; the socket keeps trying in the background.</param>
    /// <exception cref="ObjectDisposedException">The socket was (or got) disposed.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        Start();
        var state = await State
            .FirstAsync(s => s is ConnectionState.Connected or ConnectionState.Closed)
            .ToTask(cancellationToken)
            .ConfigureAwait(false);
        ObjectDisposedException.ThrowIf(state == ConnectionState.Closed, this);
    }

    /// <summary>Sends a text frame on the current connection.</summary>
    /// <param name="text">The message.</param>
    /// <param name="cancellationToken">Abandons the send.</param>
    /// <exception cref="ComfyConnectionException">Not connected, or the send failed.</exception>
    public async Task SendTextAsync(string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(text);
        var session = _current ?? throw new ComfyConnectionException($"The websocket to {RedactedUri} is not connected.");
        try
        {
            await session.Connection.SendTextAsync(text, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ComfyConnectionException($"Sending on the websocket to {RedactedUri} failed.", ex);
        }
    }

    /// <summary>Stops reconnecting, closes the socket, publishes <see cref="ConnectionState.Closed"/> and completes both
    /// streams. Idempotent; a second call waits for the first.</summary>
    public ValueTask DisposeAsync()
    {
        bool started;
        lock (_gate)
        {
            if (_disposing)
            {
                return new ValueTask(_disposed.Task);
            }

            _disposing = true;
            started = _started;
        }

        return new ValueTask(DisposeCoreAsync(started));
    }

    private async Task DisposeCoreAsync(bool started)
    {
        try
        {
            // Cancel, not CancelAsync: the loop's teardown should run now, on this thread (deterministic in tests).
            _stop.Cancel();
            if (started)
            {
                await _loopExited.Task.ResumeInline();
            }

            SetState(ConnectionState.Closed);
            TransportLog.Closed(_logger, RedactedUri);
            _states.OnCompleted();
            _attemptsFailed.OnCompleted();
            _messages.OnCompleted();
        }
        finally
        {
            _stop.Dispose();
            _disposed.TrySetResult();
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var retry = 0;   // retries since the last healthy connection: selects the backoff delay
        var attempt = 0; // attempts since the last healthy connection, for the logs
        try
        {
            SetState(ConnectionState.Connecting);
            while (true)
            {
                stop.ThrowIfCancellationRequested();
                attempt++;
                var session = await TryConnectAsync(attempt, stop).ResumeInline();
                if (session is not null)
                {
                    var connectedAt = _scheduler.Now;
                    _current = session;
                    _hasConnected = true;
                    TransportLog.Connected(_logger, RedactedUri, attempt);
                    SetState(ConnectionState.Connected);

                    var closure = await WhenCompleted(session.Connection.Closed, stop).ResumeInline();
                    _current = null;
                    TransportLog.Disconnected(_logger, RedactedUri, _endpoint.Redact(closure.Reason));
                    SetState(ConnectionState.Reconnecting);
                    await CloseQuietlyAsync(session).ResumeInline();
                    if (_scheduler.Now - connectedAt >= _healthyAfter)
                    {
                        retry = 0;
                        attempt = 0;
                    }
                }
                else
                {
                    SetState(ConnectionState.Reconnecting);
                    _attemptsFailed.OnNext(System.Reactive.Unit.Default);
                }

                var delay = _backoff.Delay(retry++);
                TransportLog.RetryScheduled(_logger, RedactedUri, (long)delay.TotalMilliseconds, attempt + 1);
                await DelayAsync(delay, stop).ResumeInline();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Disposal: the only way out of the loop.
        }
        finally
        {
            if (_current is { } session)
            {
                _current = null;
                await CloseQuietlyAsync(session).ResumeInline();
            }

            _loopExited.TrySetResult();
        }
    }

    private Task DelayAsync(TimeSpan delay, CancellationToken stop)
    {
        var elapsed = new TaskCompletionSource<bool>();
        var timer = _scheduler.Schedule(delay, () => elapsed.TrySetResult(true));
        return WhenCompletedThenDispose(elapsed.Task, stop, timer);

        static async Task WhenCompletedThenDispose(Task<bool> task, CancellationToken stop, IDisposable timer)
        {
            try
            {
                await WhenCompleted(task, stop).ResumeInline();
            }
            finally
            {
                timer.Dispose();
            }
        }
    }

    private void SetState(ConnectionState state)
    {
        if (_state == state)
        {
            return;
        }

        _state = state;
        _states.OnNext(state);
    }

    private void Publish(WebSocketMessage message) => _messages.OnNext(message);

    private void LogCloseFailed(Exception ex) =>
        TransportLog.CloseFailed(_logger, RedactedUri, _endpoint.Redact(Describe(ex)));

    private void SubscriberFailed(Exception ex) =>
        TransportLog.SubscriberFailed(_logger, ex.GetType().Name, _endpoint.Redact(ex.Message));

    private static string Describe(Exception ex)
    {
        var root = ex.GetBaseException();
        return root.GetType().Name + ": " + root.Message;
    }

    private static void TryCancel(CancellationTokenSource cts)
    {
        try
        {
            cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The attempt finished while the timer fired.
        }
    }

    /// <summary>Awaits <paramref name="task"/> or the token, continuing synchronously on whichever completes it.</summary>
    private static async Task WhenCompleted(Task task, CancellationToken cancellationToken)
    {
        if (!task.IsCompleted)
        {
            var signal = new TaskCompletionSource<bool>();
            using (cancellationToken.Register(static s => ((TaskCompletionSource<bool>)s!).TrySetCanceled(), signal))
            {
                _ = task.ContinueWith(
                    static (_, s) => ((TaskCompletionSource<bool>)s!).TrySetResult(true),
                    signal,
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
                await signal.Task.ResumeInline();
            }
        }

        await task.ResumeInline();
    }

    /// <inheritdoc cref="WhenCompleted(Task, CancellationToken)"/>
    private static async Task<T> WhenCompleted<T>(Task<T> task, CancellationToken cancellationToken)
    {
        await WhenCompleted((Task)task, cancellationToken).ResumeInline();
        return await task.ResumeInline();
    }

    /// <summary>One physical connection and our subscription to its messages.</summary>
    private sealed record Session(IWebSocketConnection Connection, IDisposable Subscription);

    /// <summary>Forwards one connection's messages to the shared stream and signals the first one.</summary>
    private sealed class ConnectionObserver(ReconnectingWebSocket owner, TaskCompletionSource<bool> greeted) : IObserver<WebSocketMessage>
    {
        public void OnNext(WebSocketMessage value)
        {
            owner.Publish(value);
            greeted.TrySetResult(true);
        }

        // The connection's end is read from IWebSocketConnection.Closed, which carries the reason.
        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }
    }
}
