using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ComfyUI.Reactive.Transport;

/// <summary>
/// The production <see cref="IWebSocketConnector"/>: one Websocket.Client <c>WebsocketClient</c> per physical connection,
/// with all of that library's own reconnection switched off so <see cref="ReconnectingWebSocket"/> alone decides.
/// </summary>
/// <remarks>
/// Why not let Websocket.Client reconnect (DESIGN.md §8): its inactivity timer would reconnect every idle minute
/// (ComfyUI is silent while idle), it may never reconnect when a server closes right after accepting, and its first
/// message can arrive before <c>ReconnectionHappened(Initial)</c>. One client per connection, started with
/// <c>StartOrFail</c>, gives exactly one attempt whose outcome we see.
/// </remarks>
internal sealed class WebsocketClientConnector : IWebSocketConnector
{
    /// <summary>How often the socket pings the server. aiohttp (ComfyUI's server) answers pings on its event loop,
    /// which stays responsive while a prompt runs on the worker thread.</summary>
    internal static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(20);

    /// <summary>How long a ping may go unanswered before the socket is aborted: the only way to notice a half-open
    /// connection (cable pulled, NAT dropped) on a server that legitimately sends nothing for hours.</summary>
    internal static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(60);

    private readonly int _maxMessageBytes;
    private readonly ILogger _logger;

    /// <summary>Creates the connector.</summary>
    /// <param name="maxMessageBytes">Messages larger than this are dropped (and logged). See <see cref="WebsocketClientConnection"/>
    /// for why this cannot bound memory while a message is being received.</param>
    /// <param name="logger">Where dropped messages are logged.</param>
    public WebsocketClientConnector(int maxMessageBytes, ILogger? logger)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxMessageBytes);
        _maxMessageBytes = maxMessageBytes;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public async Task<IWebSocketConnection> ConnectAsync(
        Uri uri,
        IReadOnlyList<KeyValuePair<string, string>> headers,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(headers);
        cancellationToken.ThrowIfCancellationRequested();

        var connection = new WebsocketClientConnection(
            uri,
            (target, libraryToken) => OpenSocketAsync(target, headers, libraryToken, cancellationToken),
            _maxMessageBytes,
            _logger);
        try
        {
            await connection.StartAsync().ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The library's connection factory: a <see cref="ClientWebSocket"/> carrying the credential headers,
    /// connected under both the library's token and the caller's.</summary>
    private static async Task<WebSocket> OpenSocketAsync(
        Uri uri,
        IReadOnlyList<KeyValuePair<string, string>> headers,
        CancellationToken libraryToken,
        CancellationToken callerToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            foreach (var (name, value) in headers)
            {
                socket.Options.SetRequestHeader(name, value);
            }

            socket.Options.KeepAliveInterval = KeepAliveInterval;
            socket.Options.KeepAliveTimeout = KeepAliveTimeout;
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(libraryToken, callerToken);
            await socket.ConnectAsync(uri, linked.Token).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
