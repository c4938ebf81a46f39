using System.Net.WebSockets;

namespace ComfyUI.Reactive.Transport;

/// <summary>Why one physical websocket connection ended.</summary>
/// <param name="ByServer">True when the server sent a close frame.</param>
/// <param name="Status">The close status, when a close handshake took place.</param>
/// <param name="Description">The close description the peer gave, if any. May echo server text: redact before logging.</param>
/// <param name="Error">The failure that broke the connection (reset, protocol error), if any.</param>
internal sealed record WebSocketClosure(bool ByServer, WebSocketCloseStatus? Status, string? Description, Exception? Error)
{
    /// <summary>The connection was closed from our side (close or dispose).</summary>
    public static WebSocketClosure ByClient { get; } = new(false, WebSocketCloseStatus.NormalClosure, "closed by client", null);

    /// <summary>A short description for logs. Not redacted: pass it through the credential redaction first.</summary>
    public string Reason =>
        Error is not null
            ? $"error: {Error.GetType().Name}: {Error.GetBaseException().Message}"
            : ByServer
                ? $"closed by server ({(Status is { } s ? ((int)s).ToString(System.Globalization.CultureInfo.InvariantCulture) : "no status")}{(string.IsNullOrEmpty(Description) ? string.Empty : ": " + Description)})"
                : Description ?? "closed";
}
