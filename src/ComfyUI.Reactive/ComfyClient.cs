using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Reactive.Threading.Tasks;
using ComfyUI.Reactive.Events;
using ComfyUI.Reactive.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ComfyUI.Reactive;

/// <summary>
/// One ComfyUI server: its REST routes (<see cref="Api"/>) and its events as hot, typed observables read from one
/// reconnecting websocket (<see cref="Events"/> and the per-kind streams).
/// </summary>
/// <remarks>
/// <para><b>Hot and shared.</b> Every stream is fed by the same socket; subscribing never opens another one. The socket
/// starts on <see cref="ConnectAsync"/> or on the first subscription to <see cref="Events"/> (or a per-kind stream),
/// and then reconnects forever with capped, jittered backoff until the client is disposed.</para>
/// <para><b>No errors on transient faults.</b> The event streams never call <c>OnError</c>: disconnects show up on
/// <see cref="Connection"/>, malformed frames are logged and skipped. They complete when the client is disposed.</para>
/// <para><b>Threading.</b> Callbacks run on the socket's receive thread, one frame at a time, in arrival order. A slow
/// subscriber slows the socket (it does not make the client buffer without limit): move slow work off the thread with
/// <c>ObserveOn</c>, and thin previews with <c>Sample</c> or <c>Throttle</c>.</para>
/// <para><b>A throwing subscriber</b> is logged and skipped: the exception does not reach the socket or the other
/// subscribers (Rx operators in that subscriber's own chain may still end its chain).</para>
/// <para><b>Previews</b> (<see cref="PreviewImageEvent"/>) hand out the image as a slice of the received frame; the
/// memory stays valid for as long as you hold the event.</para>
/// </remarks>
public sealed partial class ComfyClient : IAsyncDisposable, IDisposable
{
    private static readonly string HelloWithPreviewMetadata =
        """{"type":"feature_flags","data":{"supports_preview_metadata":true}}""";

    private static readonly string HelloLegacy =
        """{"type":"feature_flags","data":{"supports_preview_metadata":false}}""";

    private readonly ReconnectingWebSocket _socket;
    private readonly Subject<ComfyEvent> _events = new();
    private readonly System.Reactive.Disposables.CompositeDisposable _pump;
    private readonly IObservable<ComfyEvent> _isolatedEvents;
    private readonly ILogger _logger;
    private readonly ComfyClientOptions _options;
    private readonly Diagnostics.ClientMetrics _metrics;
    private volatile FeatureFlagsEvent? _serverFeatures;

    // The text-frame layout of the CURRENT connection: a restarted server may be another build that does not answer the
    // hello, and reading its frames with the previous server's layout would drop every one of them.
    private volatile bool _textFramesCarryPromptId;
    private int _disposed;

    /// <summary>Creates a client for the server at <paramref name="baseAddress"/> with default options.</summary>
    /// <param name="baseAddress">The server, e.g. <c>http://127.0.0.1:8188</c>.</param>
    public ComfyClient(Uri baseAddress)
        : this(new ComfyClientOptions { BaseAddress = baseAddress ?? throw new ArgumentNullException(nameof(baseAddress)) })
    {
    }

    /// <summary>Creates a client. Nothing connects until <see cref="ConnectAsync"/> or the first subscription.</summary>
    /// <param name="options">Address, credentials, timeouts, scheduler and logger.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public ComfyClient(ComfyClientOptions options)
        : this(options, connector: null, random: null)
    {
    }

    /// <summary>Test seam: a fake connector and a deterministic jitter source.</summary>
    internal ComfyClient(ComfyClientOptions options, IWebSocketConnector? connector, Func<double>? random)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _logger = options.Logger ?? NullLogger.Instance;
        _options = options;
        ClientId = options.ClientId ?? Guid.NewGuid().ToString("N");
        BaseAddress = options.BaseAddress;
        Api = new ComfyApi(options);
        _socket = new ReconnectingWebSocket(
            options,
            ClientId,
            options.RequestPreviewMetadata ? HelloWithPreviewMetadata : HelloLegacy,
            connector,
            random);
        // Named like a pool names servers: host and port only, never user info or a query token.
        _metrics = new Diagnostics.ClientMetrics(options.MeterFactory, options.BaseAddress.GetComponents(UriComponents.HostAndPort, UriFormat.UriEscaped));
        _pump = new System.Reactive.Disposables.CompositeDisposable(
            _socket.State.Subscribe(state =>
            {
                _metrics.OnConnection(state);
                // Before the next connection's first message (both arrive on the socket's loop).
                if (state is ConnectionState.Connecting or ConnectionState.Reconnecting)
                {
                    _textFramesCarryPromptId = false;
                }
            }),
            _socket.Messages.Subscribe(OnMessage, () => _events.OnCompleted()));
        _isolatedEvents = new IsolatingObservable<ComfyEvent>(_events, SubscriberFailed);

        Events = Observable.Defer(() =>
        {
            // A disposed client's streams have completed; a late subscriber sees the same, not an exception.
            if (Volatile.Read(ref _disposed) != 0)
            {
                return Observable.Empty<ComfyEvent>();
            }

            _socket.Start();
            return _isolatedEvents;
        });
        Session = new Sessions.ServerSession(this, options);
    }

    /// <summary>What the client's jobs and a pool share about this server: liveness, schemas, version facts.</summary>
    internal Sessions.ServerSession Session { get; }

    /// <summary>The websocket session id: sent as <c>clientId</c> on the socket and as <c>client_id</c> on submissions.</summary>
    public string ClientId { get; }

    /// <summary>The server's base address.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Every REST route of the server, typed.</summary>
    public ComfyApi Api { get; }

    /// <summary>Every event of the server (JSON messages and binary frames), hot and shared; see the class remarks.</summary>
    public IObservable<ComfyEvent> Events { get; }

    /// <summary>The connection state; replays the latest state to each new subscriber. Completes after
    /// <see cref="ConnectionState.Closed"/>.</summary>
    public IObservable<ConnectionState> Connection => _socket.State;

    /// <summary>The latest connection state.</summary>
    public ConnectionState ConnectionState => _socket.CurrentState;

    /// <summary>The server's feature flags from its latest <c>feature_flags</c> answer; null until one arrived (older
    /// servers never answer).</summary>
    public FeatureFlagsEvent? ServerFeatures => _serverFeatures;

    /// <summary>Queue size changes (<c>status</c>), broadcast to every client.</summary>
    public IObservable<StatusEvent> Status => Events.OfType<StatusEvent>();

    /// <summary>Prompts starting (<c>execution_start</c>).</summary>
    public IObservable<ExecutionStartEvent> ExecutionStarted => Events.OfType<ExecutionStartEvent>();

    /// <summary>Nodes served from the cache (<c>execution_cached</c>).</summary>
    public IObservable<ExecutionCachedEvent> ExecutionCached => Events.OfType<ExecutionCachedEvent>();

    /// <summary>Nodes about to run, and the end of a prompt (<c>executing</c> with a null node).</summary>
    public IObservable<ExecutingEvent> Executing => Events.OfType<ExecutingEvent>();

    /// <summary>Node UI outputs (<c>executed</c>).</summary>
    public IObservable<ExecutedEvent> Executed => Events.OfType<ExecutedEvent>();

    /// <summary>Step progress of a node (<c>progress</c>).</summary>
    public IObservable<ProgressEvent> Progress => Events.OfType<ProgressEvent>();

    /// <summary>Cumulative per-node progress of a prompt (<c>progress_state</c>).</summary>
    public IObservable<ProgressStateEvent> ProgressState => Events.OfType<ProgressStateEvent>();

    /// <summary>Prompts that finished successfully (<c>execution_success</c>).</summary>
    public IObservable<ExecutionSuccessEvent> ExecutionSucceeded => Events.OfType<ExecutionSuccessEvent>();

    /// <summary>Node failures (<c>execution_error</c>); see <see cref="ExecutionErrorEvent.IsTerminal"/>.</summary>
    public IObservable<ExecutionErrorEvent> ExecutionFailed => Events.OfType<ExecutionErrorEvent>();

    /// <summary>Interrupted prompts (<c>execution_interrupted</c>).</summary>
    public IObservable<ExecutionInterruptedEvent> ExecutionInterrupted => Events.OfType<ExecutionInterruptedEvent>();

    /// <summary>Preview images (binary frames of type 1 and 4).</summary>
    public IObservable<PreviewImageEvent> Previews => Events.OfType<PreviewImageEvent>();

    /// <summary>Progress text of nodes (binary frames of type 3), broadcast by the server to every client.</summary>
    public IObservable<ProgressTextEvent> ProgressText => Events.OfType<ProgressTextEvent>();

    /// <summary>
    /// Starts the socket if needed and waits until it is connected. If the next connect attempt fails, the reason is
    /// found over HTTP and thrown as a typed exception (the socket keeps retrying in the background). Called while the
    /// socket waits to reconnect after a drop, it waits for that attempt (up to the current backoff delay).
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="ComfyConnectionException">The server could not be reached (the message names the address).</exception>
    /// <exception cref="ComfyAuthenticationException">The server (or its proxy) refused the credentials.</exception>
    /// <exception cref="ComfyApiException">The server answered HTTP with another error.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        _socket.Start();

        // Reconnecting means "the attempt failed" only until the first connection: after that it also means "between two
        // attempts after a drop", when the next attempt may well succeed (a restarting server), so then the next
        // attempt's failure is awaited instead. Failures are subscribed first so one between the two is not missed.
        var state = await _socket.AttemptsFailed.Select(_ => ConnectionState.Reconnecting)
            .Merge(_socket.State.Where(s =>
                s is ConnectionState.Connected or ConnectionState.Closed ||
                (s is ConnectionState.Reconnecting && !_socket.HasConnected)))
            .FirstAsync()
            .ToTask(cancellationToken)
            .ConfigureAwait(false);
        switch (state)
        {
            case ConnectionState.Connected:
                return;
            case ConnectionState.Closed:
                throw new ObjectDisposedException(nameof(ComfyClient));
        }

        // The socket failed; HTTP says why in typed terms (refused, 401, 5xx). If HTTP works, the upgrade itself failed.
        await Api.GetQueueStatusAsync(cancellationToken).ConfigureAwait(false);
        if (_socket.CurrentState == ConnectionState.Connected)
        {
            return;
        }

        throw new ComfyConnectionException(
            $"The websocket to {_socket.RedactedUri} could not be opened although HTTP answers; a proxy may not forward websocket upgrades. The client keeps retrying.");
    }

    /// <summary>Closes the socket (completing every stream) and releases the HTTP resources. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        DisposeRegistry();
        DisposeJobs();
        Session.Dispose();
        await _socket.DisposeAsync().ConfigureAwait(false);
        _pump.Dispose();
        _metrics.Dispose();
        _events.OnCompleted();
        _events.Dispose();
        Api.Release();
    }

    /// <summary>
    /// Disposes the client synchronously, for containers and <c>using</c> blocks that cannot await: the same as
    /// <see cref="DisposeAsync"/>, waited for off the caller's synchronization context and at most 5 seconds (the socket's
    /// closing handshake then finishes in the background). Never throws. Prefer <see cref="DisposeAsync"/>.
    /// </summary>
    public void Dispose() => Lifetime.DisposeBlocking(DisposeAsync);

    private void SubscriberFailed(Exception ex) => ClientLog.SubscriberFailed(_logger, ex.GetType().Name, ex.Message);

    private void OnMessage(WebSocketMessage message)
    {
        ComfyEvent parsed;
        try
        {
            parsed = message.Kind == WebSocketMessageKind.Text
                ? ComfyEventParser.ParseText(message.Data.Span)
                : ComfyEventParser.ParseBinary(message.Data, _textFramesCarryPromptId);
        }
        catch (ComfyProtocolException ex)
        {
            ClientLog.FrameSkipped(_logger, message.Kind.ToString(), message.Data.Length, ex.Message);
            return;
        }

        if (parsed is FeatureFlagsEvent features)
        {
            _serverFeatures = features;
            _textFramesCarryPromptId = features.SupportsProgressTextMetadata;
        }

        _events.OnNext(parsed);
    }
}
