namespace ComfyUI.Reactive.Transport;

/// <summary>
/// ONE physical websocket connection, already open when handed out by <see cref="IWebSocketConnector"/>.
/// It never reconnects; <see cref="ReconnectingWebSocket"/> owns that policy and opens a new connection instead.
/// </summary>
/// <remarks>
/// Contract every implementation keeps (the reconnect loop relies on it):
/// <list type="bullet">
/// <item><see cref="Messages"/> has one subscriber. Messages received before that subscription are held and delivered
/// first when it comes, so nothing is lost in the gap between <see cref="IWebSocketConnector.ConnectAsync"/> completing
/// and the subscription (a server may speak first, as ComfyUI does). Deliveries are serial. The stream completes when
/// the connection ends and never calls <c>OnError</c>.</item>
/// <item><see cref="Closed"/> completes exactly once, for any reason the connection ends (server close, reset, our own
/// close or dispose), and never faults or cancels.</item>
/// <item><see cref="CloseAsync"/> performs the close handshake and returns when the connection is closed; it may
/// throw on a broken socket, and the caller disposes afterwards either way. <see cref="IAsyncDisposable.DisposeAsync"/>
/// aborts whatever is left and is idempotent.</item>
/// </list>
/// </remarks>
internal interface IWebSocketConnection : IAsyncDisposable
{
    /// <summary>Received messages; see the type's remarks for the buffering and completion contract.</summary>
    IObservable<WebSocketMessage> Messages { get; }

    /// <summary>Completes with the reason once the connection has ended. Never faults.</summary>
    Task<WebSocketClosure> Closed { get; }

    /// <summary>Sends one text message.</summary>
    /// <param name="text">The message.</param>
    /// <param name="cancellationToken">Abandons the send.</param>
    Task SendTextAsync(string text, CancellationToken cancellationToken);

    /// <summary>Closes the connection normally and waits until it is closed.</summary>
    /// <param name="cancellationToken">Abandons the wait (dispose then aborts the socket).</param>
    Task CloseAsync(CancellationToken cancellationToken);
}
