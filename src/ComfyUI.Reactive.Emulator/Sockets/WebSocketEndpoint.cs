using System.Buffers;
using System.Net.WebSockets;
using ComfyUI.Reactive.Emulator.Server;
using Microsoft.AspNetCore.Http;

namespace ComfyUI.Reactive.Emulator.Sockets;

/// <summary>
/// <c>GET /ws?clientId=</c> (PROTOCOL.md §3.1): <c>status</c> with the sid first, the <c>executing</c> replay for a
/// client whose prompt is running, feature-flag negotiation on the first text message only, everything else ignored.
/// </summary>
internal static class WebSocketEndpoint
{
    public static async Task Handle(HttpContext ctx, EmulatorState state, CancellationToken shutdown)
    {
        if (!ctx.WebSockets.IsWebSocketRequest)
        {
            await HttpBodies.Empty(ctx, 400).ConfigureAwait(false);
            return;
        }

        if (state.Faults.RefusingWebSockets)
        {
            await HttpBodies.Empty(ctx, 503).ConfigureAwait(false);
            return;
        }

        var requested = ctx.Request.Query["clientId"].ToString();
        var sid = string.IsNullOrEmpty(requested) ? Guid.NewGuid().ToString("N") : requested;
        using var socket = await ctx.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        var session = new ClientSession(sid, socket);
        session.Enqueue(JsonFrames.Status(state.Queue.Remaining, sid));
        state.Hub.Register(session);
        if (state.Executor.CurrentClientId == sid && state.Executor.LastNodeId is { } node)
        {
            session.Enqueue(JsonFrames.Message("executing", node, static (w, n) => w.WriteString("node", n)));
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(shutdown, ctx.RequestAborted);
        var writer = session.RunWriterAsync(linked.Token);
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            var first = true;
            using var message = new MemoryStream();
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, linked.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                if (!first)
                {
                    continue;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                if (result.MessageType == WebSocketMessageType.Text)
                {
                    first = false;
                    if (SocketHub.TryParseFeatureFlags(message.GetBuffer().AsSpan(0, (int)message.Length), out var supportsMetadata))
                    {
                        session.SupportsPreviewMetadata = supportsMetadata;
                        session.Enqueue(new OutgoingFrame(state.Hub.FeatureFlagsReply, Binary: false));
                    }
                }

                message.SetLength(0);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // Dropped by the client, by a fault, or by shutdown.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            state.Hub.Unregister(sid);
            session.Complete();
            await writer.ConfigureAwait(false);
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                try
                {
                    using var closeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, closeTimeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
                {
                }
            }
        }
    }
}
