using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;

namespace ComfyUI.Reactive.Tests.Transport;

/// <summary>
/// A tiny websocket server on 127.0.0.1 for real-socket tests: a <see cref="TcpListener"/> that performs the RFC 6455
/// handshake itself (so the test sees the raw upgrade request, headers and query included), then hands the stream to
/// <see cref="WebSocket.CreateFromStream(Stream, WebSocketCreationOptions)"/>.
/// </summary>
internal sealed class LoopbackWebSocketServer : IAsyncDisposable
{
    public const string Greeting = "{\"type\":\"status\",\"data\":{\"status\":{\"exec_info\":{\"queue_remaining\":0}},\"sid\":\"x\"}}";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Channel<ServerSocket> _accepted = Channel.CreateUnbounded<ServerSocket>();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<ServerSocket> _sockets = [];

    public LoopbackWebSocketServer()
    {
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The HTTP base address a client is configured with.</summary>
    public Uri BaseAddress(string path = "/") => new($"http://127.0.0.1:{Port}{path}");

    /// <summary>Whether the n-th accepted socket (from 1) greets the client first, as ComfyUI does.</summary>
    public Func<int, bool> Greet { get; set; } = _ => true;

    /// <summary>What happened, in order: "accept 1", "close-frame 1" (the client's close frame), ...</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Events { get; } = new();

    private int _count;

    public async Task<ServerSocket> NextAsync() => await _accepted.Reader.ReadAsync().AsTask().WaitAsync(Wait);

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        _listener.Stop();
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Abort();
            }
        }

    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var tcp = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = HandshakeAsync(tcp);
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task HandshakeAsync(TcpClient tcp)
    {
        var stream = tcp.GetStream();
        var head = await ReadHeadAsync(stream);
        var lines = head.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var target = lines[0].Split(' ')[1];
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

#pragma warning disable CA5350 // RFC 6455 fixes SHA-1 for Sec-WebSocket-Accept; it is a handshake checksum, not security.
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(headers["Sec-WebSocket-Key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
        var response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(response));

        var webSocket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true });
        var number = Interlocked.Increment(ref _count);
        Events.Enqueue("accept " + number);
        var socket = new ServerSocket(tcp, webSocket, target, headers, e => Events.Enqueue(e + " " + number));
        lock (_sockets)
        {
            _sockets.Add(socket);
        }

        if (Greet(number))
        {
            await socket.SendTextAsync(Greeting);
        }

        socket.StartReceiving();
        _accepted.Writer.TryWrite(socket);
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (!(bytes.Count >= 4 && bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n'))
        {
            if (await stream.ReadAsync(one) == 0)
            {
                throw new IOException("client went away during the handshake");
            }

            bytes.Add(one[0]);
        }

        return Encoding.ASCII.GetString([.. bytes]);
    }
}

/// <summary>The server side of one accepted websocket.</summary>
internal sealed class ServerSocket(TcpClient tcp, WebSocket webSocket, string target, IReadOnlyDictionary<string, string> headers, Action<string> log)
{
    private readonly Channel<string> _received = Channel.CreateUnbounded<string>();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The request target of the upgrade request, e.g. <c>/ws?clientId=abc</c>.</summary>
    public string Target { get; } = target;

    public IReadOnlyDictionary<string, string> Headers { get; } = headers;

    /// <summary>Completes when the client closed or the connection broke.</summary>
    public Task Ended => _ended.Task;

    public Task SendTextAsync(string text) => webSocket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>Sends one message split into <paramref name="fragments"/> frames.</summary>
    public async Task SendAsync(byte[] data, WebSocketMessageType type, int fragments = 1)
    {
        var size = (data.Length + fragments - 1) / fragments;
        for (var offset = 0; offset < data.Length || offset == 0; offset += size)
        {
            var count = Math.Min(size, data.Length - offset);
            await webSocket.SendAsync(data.AsMemory(offset, count), type, offset + count >= data.Length, CancellationToken.None);
            if (data.Length == 0)
            {
                break;
            }
        }
    }

    public async Task<string> ReceiveTextAsync() => await _received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

    /// <summary>A server-initiated close handshake.</summary>
    public Task CloseAsync() => webSocket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "server going away", CancellationToken.None);

    /// <summary>Drops the TCP connection without a close handshake (a reset).</summary>
    public void Abort()
    {
        webSocket.Abort();
        tcp.Dispose();
    }

    public void StartReceiving() => _ = ReceiveLoopAsync();

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await webSocket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    log("close-frame");
                    if (webSocket.State == WebSocketState.CloseReceived)
                    {
                        await webSocket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    }

                    break;
                }

                _received.Writer.TryWrite(Encoding.UTF8.GetString(message.ToArray()));
            }
        }
        catch (Exception)
        {
            // Reset or abort: the connection is over either way.
        }
        finally
        {
            _ended.TrySetResult();
            tcp.Dispose();
        }
    }
}
