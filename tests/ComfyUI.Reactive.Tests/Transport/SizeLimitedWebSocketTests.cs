using System.Net.WebSockets;
using ComfyUI.Reactive.Transport;

namespace ComfyUI.Reactive.Tests.Transport;

public sealed class SizeLimitedWebSocketTests
{
    private const int Limit = 64 * 1024;
    private const int Chunk = 4096;

    [Fact]
    public async Task ReceiveAsync_HugeMessageInManyFrames_HandsOutAtMostLimitPlusOneChunkAndFlagsIt()
    {
        // 100 MB in 16 KB frames, produced on the fly: if the wrapper buffered it, the caller would see it all.
        var inner = new ScriptedWebSocket(new Message(WebSocketMessageType.Binary, 100_000_000, 16 * 1024), new Message(WebSocketMessageType.Text, 10, 10));
        var socket = new SizeLimitedWebSocket(inner, Limit);

        var (handedOut, ended) = await ReadMessageAsync(socket);

        Assert.True(ended);
        Assert.InRange(handedOut, Limit, Limit + Chunk);
        Assert.Equal(100_000_000, socket.TakeTruncatedSize());
        Assert.Equal(0, socket.TakeTruncatedSize());

        var (next, _) = await ReadMessageAsync(socket);
        Assert.Equal(10, next);
        Assert.Equal(0, socket.TakeTruncatedSize());
    }

    [Fact]
    public async Task ReceiveAsync_MessagesAtTheLimit_PassUntouched()
    {
        var inner = new ScriptedWebSocket(new Message(WebSocketMessageType.Binary, Limit, 1000), new Message(WebSocketMessageType.Binary, Limit, Limit));
        var socket = new SizeLimitedWebSocket(inner, Limit);

        Assert.Equal(Limit, (await ReadMessageAsync(socket)).Bytes);
        Assert.Equal(Limit, (await ReadMessageAsync(socket)).Bytes);
        Assert.Equal(0, socket.TakeTruncatedSize());
    }

    [Fact]
    public async Task ReceiveAsync_CloseWhileDiscarding_ReturnsTheClose()
    {
        var inner = new ScriptedWebSocket(new Message(WebSocketMessageType.Binary, 10 * Limit, Chunk, CloseAfter: 2 * Limit));
        var socket = new SizeLimitedWebSocket(inner, Limit);
        var buffer = new byte[Chunk];

        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, CancellationToken.None);
        }
        while (result.MessageType != WebSocketMessageType.Close);

        Assert.Equal(WebSocketCloseStatus.NormalClosure, result.CloseStatus);
    }

    [Fact]
    public async Task ReceiveAsync_EachWholeMessage_LeavesItsKind()
    {
        var inner = new ScriptedWebSocket(
            new Message(WebSocketMessageType.Text, 10, 4),
            new Message(WebSocketMessageType.Binary, 9000, 3000),
            new Message(WebSocketMessageType.Text, 2 * Limit, Chunk),
            new Message(WebSocketMessageType.Binary, 1, 1));
        var socket = new SizeLimitedWebSocket(inner, Limit);

        var seen = new List<(WebSocketMessageType Kind, long Cut)>();
        for (var i = 0; i < 4; i++)
        {
            await ReadMessageWithMemoryAsync(socket);
            seen.Add((socket.LastMessageType, socket.TakeTruncatedSize()));
        }

        Assert.Equal(
            [(WebSocketMessageType.Text, 0), (WebSocketMessageType.Binary, 0), (WebSocketMessageType.Text, 2 * Limit), (WebSocketMessageType.Binary, 0)],
            seen);
    }

    [Fact]
    public async Task ReceiveAsync_MemoryOverload_CutsLikeTheSegmentOne()
    {
        var inner = new ScriptedWebSocket(new Message(WebSocketMessageType.Text, 10 * Limit, 16 * 1024), new Message(WebSocketMessageType.Binary, 10, 10));
        var socket = new SizeLimitedWebSocket(inner, Limit);

        var handedOut = await ReadMessageWithMemoryAsync(socket);

        Assert.InRange(handedOut, Limit, Limit + Chunk);
        Assert.Equal(10 * Limit, socket.TakeTruncatedSize());
        Assert.Equal(WebSocketMessageType.Text, socket.LastMessageType);
        Assert.Equal(10, await ReadMessageWithMemoryAsync(socket));
        Assert.Equal(WebSocketMessageType.Binary, socket.LastMessageType);
    }

    private static async Task<long> ReadMessageWithMemoryAsync(WebSocket socket)
    {
        var buffer = new byte[Chunk];
        long total = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
            total += result.Count;
            if (result.EndOfMessage)
            {
                return total;
            }
        }
    }

    private static async Task<(long Bytes, bool Ended)> ReadMessageAsync(WebSocket socket)
    {
        var buffer = new byte[Chunk];
        long total = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
            total += result.Count;
            if (result.EndOfMessage)
            {
                return (total, true);
            }
        }
    }

    private sealed record Message(WebSocketMessageType Type, long Size, int FrameSize, long CloseAfter = long.MaxValue);

    /// <summary>Plays messages frame by frame into the caller's buffer without ever holding a whole message.</summary>
    private sealed class ScriptedWebSocket(params Message[] messages) : WebSocket
    {
        private int _index;
        private long _sent;
        private long _frameLeft;

        private bool _closed;

        // As a real socket: the close status is known once the close frame was received.
        public override WebSocketCloseStatus? CloseStatus => _closed ? WebSocketCloseStatus.NormalClosure : null;

        public override string? CloseStatusDescription => null;

        public override WebSocketState State => WebSocketState.Open;

        public override string? SubProtocol => null;

        public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
        {
            var message = messages[_index];
            if (_sent >= message.CloseAfter)
            {
                _closed = true;
                return Task.FromResult(new WebSocketReceiveResult(0, WebSocketMessageType.Close, true, WebSocketCloseStatus.NormalClosure, "bye"));
            }

            if (_frameLeft == 0)
            {
                _frameLeft = Math.Min(message.FrameSize, message.Size - _sent);
            }

            var count = (int)Math.Min(buffer.Count, _frameLeft);
            _frameLeft -= count;
            _sent += count;
            var end = _sent == message.Size;
            if (end)
            {
                _index++;
                _sent = 0;
                _frameLeft = 0;
            }

            return Task.FromResult(new WebSocketReceiveResult(count, message.Type, end));
        }

        public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) => Task.CompletedTask;

        public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => Task.CompletedTask;

        public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Abort()
        {
        }

        public override void Dispose()
        {
        }
    }
}
