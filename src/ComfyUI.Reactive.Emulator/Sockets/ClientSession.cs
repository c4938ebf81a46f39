using System.Net.WebSockets;
using System.Threading.Channels;

namespace ComfyUI.Reactive.Emulator.Sockets;

/// <summary>
/// One websocket connection: an ordered, unbounded send queue drained by a single writer (so frames of one
/// connection never interleave or reorder, like aiohttp's per-socket send), plus the negotiated feature flags.
/// </summary>
internal sealed class ClientSession
{
    private readonly WebSocket socket;
    private readonly Channel<OutgoingFrame> queue = Channel.CreateUnbounded<OutgoingFrame>(new UnboundedChannelOptions { SingleReader = true });

    public ClientSession(string sid, WebSocket socket)
    {
        Sid = sid;
        this.socket = socket;
    }

    public string Sid { get; }

    /// <summary>True once the client negotiated <c>supports_preview_metadata</c> (type-4 previews instead of type 1).</summary>
    public bool SupportsPreviewMetadata { get; set; }

    public void Enqueue(OutgoingFrame frame) => queue.Writer.TryWrite(frame);

    /// <summary>Sends queued frames until the queue completes or the socket fails.</summary>
    public async Task RunWriterAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var frame in queue.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                await socket.SendAsync(frame.Data, frame.Binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, true, ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The connection is gone; the reader side notices and unregisters the session.
        }
    }

    public void Complete() => queue.Writer.TryComplete();

    /// <summary>Kills the connection without a close handshake (a network drop, as the client sees it).</summary>
    public void Abort()
    {
        queue.Writer.TryComplete();
        socket.Abort();
    }
}
