using System.Net.WebSockets;
using System.Runtime.CompilerServices;

namespace ComfyUI.Reactive.Transport;

/// <summary>
/// Wraps the native socket handed to Websocket.Client so that one received message can never make the client buffer
/// more than the limit: the library's receive loop appends every chunk of a message to a memory stream until the end of
/// the message, with no size limit of its own. Once a message passes the limit, this wrapper reads the rest of it into a
/// small scratch buffer and throws it away, then reports the message as ended; <see cref="TakeTruncatedSize"/> tells
/// the connection to drop the cut message instead of delivering it.
/// </summary>
/// <remarks>
/// Memory per connection is bounded by the limit plus one receive chunk. The check is per message, not per frame: a
/// server may split a message into any number of frames. The library receives one message at a time and delivers it
/// on the same loop before receiving the next, so the flag read by the connection always belongs to the message it is
/// looking at; the same holds for <see cref="LastMessageType"/>.
/// </remarks>
internal sealed class SizeLimitedWebSocket(WebSocket inner, int maxMessageBytes) : WebSocket
{
    private const int ScratchSize = 16 * 1024;

    private byte[]? _scratch;
    private long _received;
    private long _truncatedSize;

    /// <inheritdoc />
    public override WebSocketCloseStatus? CloseStatus => inner.CloseStatus;

    /// <inheritdoc />
    public override string? CloseStatusDescription => inner.CloseStatusDescription;

    /// <inheritdoc />
    public override WebSocketState State => inner.State;

    /// <inheritdoc />
    public override string? SubProtocol => inner.SubProtocol;

    /// <summary>The full size of the last message if it was cut for being too large (and resets it), else 0.</summary>
    public long TakeTruncatedSize() => Interlocked.Exchange(ref _truncatedSize, 0);

    /// <summary>Whether the last whole message was text or binary. Websocket.Client hands every message on as binary
    /// when its text conversion is off, so the connection reads the kind here (see <see cref="WebsocketClientConnection"/>).</summary>
    public WebSocketMessageType LastMessageType { get; private set; } = WebSocketMessageType.Binary;

    /// <inheritdoc />
    /// <remarks>The overload Websocket.Client calls. Pooled: no allocation per chunk in the steady state (the base
    /// class would route it through the <see cref="ArraySegment{T}"/> overload: a task and a result object per chunk).</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await inner.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (result.MessageType == WebSocketMessageType.Close)
        {
            _received = 0;
            return result;
        }

        _received += result.Count;
        if (_received <= maxMessageBytes)
        {
            if (result.EndOfMessage)
            {
                _received = 0;
                LastMessageType = result.MessageType;
            }

            return result;
        }

        // Over the limit: discard the rest of this message without keeping it, then end it here.
        var total = _received;
        var end = result.EndOfMessage;
        _scratch ??= new byte[ScratchSize];
        while (!end)
        {
            var rest = await inner.ReceiveAsync(_scratch.AsMemory(), cancellationToken).ConfigureAwait(false);
            if (rest.MessageType == WebSocketMessageType.Close)
            {
                _received = 0;
                return rest;
            }

            total += rest.Count;
            end = rest.EndOfMessage;
        }

        _received = 0;
        LastMessageType = result.MessageType;
        Interlocked.Exchange(ref _truncatedSize, total);
        return new ValueWebSocketReceiveResult(result.Count, result.MessageType, endOfMessage: true);
    }

    /// <inheritdoc />
    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
        return result.MessageType == WebSocketMessageType.Close
            ? new WebSocketReceiveResult(result.Count, result.MessageType, result.EndOfMessage, inner.CloseStatus, inner.CloseStatusDescription)
            : new WebSocketReceiveResult(result.Count, result.MessageType, result.EndOfMessage);
    }

    /// <inheritdoc />
    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        inner.SendAsync(buffer, messageType, endOfMessage, cancellationToken);

    /// <inheritdoc />
    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        inner.SendAsync(buffer, messageType, endOfMessage, cancellationToken);

    /// <inheritdoc />
    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        inner.CloseAsync(closeStatus, statusDescription, cancellationToken);

    /// <inheritdoc />
    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        inner.CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

    /// <inheritdoc />
    public override void Abort() => inner.Abort();

    /// <inheritdoc />
    public override void Dispose() => inner.Dispose();
}
