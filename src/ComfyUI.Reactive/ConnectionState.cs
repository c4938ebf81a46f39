namespace ComfyUI.Reactive;

/// <summary>The state of a client's websocket connection, as published by <c>ComfyClient.Connection</c>.</summary>
public enum ConnectionState
{
    /// <summary>Not connected and not trying yet (before the first connect).</summary>
    Disconnected = 0,

    /// <summary>The first connection attempt is under way.</summary>
    Connecting = 1,

    /// <summary>The socket is open and the server's first <c>status</c> frame has arrived.</summary>
    Connected = 2,

    /// <summary>The connection was lost (or an attempt failed); the client is waiting to retry or retrying.</summary>
    Reconnecting = 3,

    /// <summary>The client was disposed; the state never changes again.</summary>
    Closed = 4,
}
