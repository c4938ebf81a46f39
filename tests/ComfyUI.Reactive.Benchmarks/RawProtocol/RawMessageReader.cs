using System.Net.WebSockets;

namespace ComfyUI.Reactive.Benchmarks.RawProtocol;

/// <summary>
/// Reads whole websocket messages from a raw <see cref="ClientWebSocket"/> into one growing buffer, for the modes that
/// measure the server without the SDK: each complete message is handed over as (type, bytes) until the socket closes.
/// </summary>
internal static class RawMessageReader
{
    /// <summary>Calls <paramref name="onMessage"/> for every complete message until the server closes the socket.</summary>
    /// <param name="socket">An open socket.</param>
    /// <param name="onMessage">Receives the message type and its bytes (valid only during the call).</param>
    public static async Task ReadAllAsync(ClientWebSocket socket, Action<WebSocketMessageType, ReadOnlyMemory<byte>> onMessage)
    {
        var buffer = new byte[64 * 1024];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            length += result.Count;
            if (!result.EndOfMessage)
            {
                continue;
            }

            onMessage(result.MessageType, buffer.AsMemory(0, length));
            length = 0;
        }
    }
}
