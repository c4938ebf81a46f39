using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Websocket.Client;

namespace ComfyUI.Reactive.Transport;

/// <summary>
/// One physical connection over a Websocket.Client <see cref="WebsocketClient"/> whose own reconnection is disabled.
/// Created and started by <see cref="WebsocketClientConnector"/>.
/// </summary>
/// <remarks>
/// <para>Threading: messages are delivered on the library's receive loop (a thread-pool thread), one at a time.</para>
/// <para>Message size: Websocket.Client 5.5.1 has no limit on the size of one received message: its receive loop
/// appends every frame of a message to a pooled memory stream until the end of the message, and
/// <see cref="ClientWebSocket"/> has no such option either. So the native socket the library reads from is wrapped in a
/// <see cref="SizeLimitedWebSocket"/>, which discards the rest of a message once it passes the limit: the library never
/// buffers more than the limit plus one chunk, and the cut message is dropped and logged here, never handed on.</para>
/// <para>Text: with <c>IsTextMessageConversionEnabled</c> on, Websocket.Client 5.5.1 decodes every text message into a
/// string, which the parser would need as UTF-8 again (a decode, an encode and two copies per event). With it off, the
/// library delivers text as a <em>binary</em> message and the kind is lost, while ComfyUI's kinds mean different things
/// (JSON events vs. image frames). So the conversion is off and the kind comes from the wrapped socket, which saw the
/// message end (<see cref="SizeLimitedWebSocket.LastMessageType"/>); the library delivers each message before it
/// receives the next. Text reaches the parser as the server's own bytes.</para>
/// </remarks>
internal sealed class WebsocketClientConnection : IWebSocketConnection
{
    private readonly WebsocketClient _client;
    private readonly int _maxMessageBytes;
    private SizeLimitedWebSocket? _socket;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();

    // Completed asynchronously: the library raises disconnection on its receive loop, and the reconnect loop must not
    // run its close/reconnect logic inline on that thread while the library is still tearing the socket down.
    private readonly TaskCompletionSource<WebSocketClosure> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IDisposable _messageSubscription;
    private readonly IDisposable _disconnectSubscription;

    private List<WebSocketMessage>? _pending = [];
    private IObserver<WebSocketMessage>? _observer;
    private bool _completed;
    private int _disposed;

    /// <summary>Creates the (not yet started) connection.</summary>
    /// <param name="uri">The address.</param>
    /// <param name="connectionFactory">Opens the native socket (headers, options, cancellation).</param>
    /// <param name="maxMessageBytes">Bigger messages are dropped.</param>
    /// <param name="logger">Where dropped messages are logged.</param>
    public WebsocketClientConnection(
        Uri uri,
        Func<Uri, CancellationToken, Task<WebSocket>> connectionFactory,
        int maxMessageBytes,
        ILogger logger)
    {
        _maxMessageBytes = maxMessageBytes;
        _logger = logger;

        // No library logger on purpose: its log lines would carry message contents and exception texts we cannot redact.
        _client = new WebsocketClient(uri, null, async (target, token) =>
            _socket = new SizeLimitedWebSocket(await connectionFactory(target, token).ConfigureAwait(false), maxMessageBytes))
        {
            Name = "comfyui",
            IsReconnectionEnabled = false,
            ReconnectTimeout = null,
            ErrorReconnectTimeout = null,
            LostReconnectTimeout = null,
            IsTextMessageConversionEnabled = false,
        };

        // Subscribed before Start: the server may send its first message before StartOrFail returns.
        _messageSubscription = _client.MessageReceived.Subscribe(OnMessage);
        _disconnectSubscription = _client.DisconnectionHappened.Subscribe(OnDisconnected);
    }

    /// <inheritdoc />
    public IObservable<WebSocketMessage> Messages => System.Reactive.Linq.Observable.Create<WebSocketMessage>(Subscribe);

    /// <inheritdoc />
    public Task<WebSocketClosure> Closed => _closed.Task;

    /// <summary>Opens the socket: one attempt, throwing on failure (no library retries).</summary>
    public Task StartAsync() => _client.StartOrFail();

    /// <inheritdoc />
    public Task SendTextAsync(string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(text);
        cancellationToken.ThrowIfCancellationRequested();

        // SendInstant writes now instead of going through the library's background queue, so the caller's await
        // means "on the wire" and the hello frame cannot be overtaken.
        return _client.SendInstant(text).WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        // Already ended: after a server close the library answers the close frame itself on its receive thread, after
        // a reset or a dispose there is nothing left to close.
        if (Volatile.Read(ref _disposed) != 0 || _closed.Task.IsCompleted)
        {
            return;
        }

        // Stop runs the close handshake (close frame out, wait for the server's close frame).
        await _client.Stop(WebSocketCloseStatus.NormalClosure, "closing").WaitAsync(cancellationToken).ConfigureAwait(false);
        Complete(WebSocketClosure.ByClient);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        _messageSubscription.Dispose();
        _disconnectSubscription.Dispose();
        _client.Dispose();
        Complete(WebSocketClosure.ByClient);
        return ValueTask.CompletedTask;
    }

    private IDisposable Subscribe(IObserver<WebSocketMessage> observer)
    {
        // Deliveries happen under the gate so the held messages and the live ones cannot be reordered; the library's
        // receive loop is the only other producer and delivers one message at a time anyway.
        lock (_gate)
        {
            if (_pending is null && _observer is not null)
            {
                throw new InvalidOperationException("A websocket connection has a single subscriber.");
            }

            var held = _pending ?? [];
            _pending = null;
            _observer = observer;
            foreach (var message in held)
            {
                observer.OnNext(message);
            }

            if (_completed)
            {
                observer.OnCompleted();
            }
        }

        return System.Reactive.Disposables.Disposable.Create(() =>
        {
            lock (_gate)
            {
                _observer = null;
            }
        });
    }

    private void OnMessage(ResponseMessage response)
    {
        var truncatedSize = _socket?.TakeTruncatedSize() ?? 0;
        if (truncatedSize > 0)
        {
            response.Stream?.Dispose();
            TransportLog.MessageTooLarge(_logger, response.MessageType == WebSocketMessageType.Text ? WebSocketMessageKind.Text : WebSocketMessageKind.Binary, truncatedSize, _maxMessageBytes);
            return;
        }

        var message = ToMessage(response);
        if (message.Data.Length > _maxMessageBytes)
        {
            TransportLog.MessageTooLarge(_logger, message.Kind, message.Data.Length, _maxMessageBytes);
            return;
        }

        lock (_gate)
        {
            if (_pending is not null)
            {
                _pending.Add(message);
            }
            else
            {
                _observer?.OnNext(message);
            }
        }
    }

    /// <summary>Raw bytes from the library's message, with the kind the socket saw (see the class remarks).</summary>
    private WebSocketMessage ToMessage(ResponseMessage response)
    {
        if (response.MessageType == WebSocketMessageType.Text)
        {
            // Only if the library converted after all (it does not with conversion off).
            return new WebSocketMessage(WebSocketMessageKind.Text, Encoding.UTF8.GetBytes(response.Text ?? string.Empty));
        }

        var kind = _socket?.LastMessageType == WebSocketMessageType.Text ? WebSocketMessageKind.Text : WebSocketMessageKind.Binary;
        if (response.Binary is { } bytes)
        {
            return new WebSocketMessage(kind, bytes);
        }

        using var stream = response.Stream;
        return new WebSocketMessage(kind, stream?.ToArray() ?? []);
    }

    private void OnDisconnected(DisconnectionInfo info)
    {
        Complete(info.Type switch
        {
            DisconnectionType.ByServer => new WebSocketClosure(true, info.CloseStatus, info.CloseStatusDescription, info.Exception),
            DisconnectionType.ByUser or DisconnectionType.Exit => WebSocketClosure.ByClient,
            _ => new WebSocketClosure(false, info.CloseStatus, info.CloseStatusDescription,
                info.Exception ?? new WebSocketException("The websocket connection was lost (" + info.Type + ").")),
        });
    }

    private void Complete(WebSocketClosure closure)
    {
        if (!_closed.TrySetResult(closure))
        {
            return;
        }

        lock (_gate)
        {
            _completed = true;
            _observer?.OnCompleted();
            _observer = null;
        }
    }
}
