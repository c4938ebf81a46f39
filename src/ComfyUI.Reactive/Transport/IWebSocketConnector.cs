namespace ComfyUI.Reactive.Transport;

/// <summary>
/// Opens ONE physical websocket connection per call. The seam between the reconnect policy
/// (<see cref="ReconnectingWebSocket"/>, tested in virtual time with a fake) and the socket library
/// (<see cref="WebsocketClientConnector"/> in production).
/// </summary>
internal interface IWebSocketConnector
{
    /// <summary>Connects (TCP, TLS, upgrade) and returns the open connection. Throws when the connection cannot be opened.</summary>
    /// <param name="uri">The <c>ws://</c>/<c>wss://</c> address, query tokens included.</param>
    /// <param name="headers">Request headers for the upgrade request (credentials); a name appears at most once.</param>
    /// <param name="cancellationToken">Abandons the attempt (the caller also stops waiting on its own timeout).</param>
    Task<IWebSocketConnection> ConnectAsync(
        Uri uri,
        IReadOnlyList<KeyValuePair<string, string>> headers,
        CancellationToken cancellationToken);
}
