using System.Net.WebSockets;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text;
using System.Threading.Channels;
using ComfyUI.Reactive.Transport;

namespace ComfyUI.Reactive.Tests.Transport;

/// <summary>The production connector and the reconnect loop over real loopback sockets.</summary>
public sealed class WebsocketClientConnectorTests : IAsyncLifetime, IAsyncDisposable
{
    private const string Hello = "{\"type\":\"feature_flags\",\"data\":{\"supports_preview_metadata\":true}}";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly LoopbackWebSocketServer _server = new();
    private readonly Channel<WebSocketMessage> _received = Channel.CreateUnbounded<WebSocketMessage>();
    private readonly List<ReconnectingWebSocket> _sockets = [];

    public Task InitializeAsync() => Task.CompletedTask;

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    public async Task DisposeAsync()
    {
        foreach (var socket in _sockets)
        {
            await socket.DisposeAsync().AsTask().WaitAsync(Wait);
        }

        await _server.DisposeAsync();
    }

    private ReconnectingWebSocket Create(Action<ComfyClientOptions>? configure = null, string path = "/")
    {
        var options = new ComfyClientOptions
        {
            BaseAddress = _server.BaseAddress(path),
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(20),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(options);
        var socket = new ReconnectingWebSocket(options, "client-1", Hello);
        socket.Messages.Subscribe(m => _received.Writer.TryWrite(m));
        _sockets.Add(socket);
        return socket;
    }

    private async Task<WebSocketMessage> NextMessageAsync() => await _received.Reader.ReadAsync().AsTask().WaitAsync(Wait);

    private static Task ReconnectedAsync(ReconnectingWebSocket socket) =>
        socket.State.SkipWhile(s => s != ConnectionState.Reconnecting).FirstAsync(s => s == ConnectionState.Connected).ToTask();

    [Theory]
    [InlineData("basic")]
    [InlineData("bearer")]
    [InlineData("header")]
    [InlineData("query")]
    public async Task Connect_EachCredentialKind_ReachesTheUpgradeRequest(string kind)
    {
        var socket = Create(o => o.Credentials.Add(kind switch
        {
            "basic" => ComfyCredentials.Basic("ann", "p@ss:wörd"),
            "bearer" => ComfyCredentials.Bearer("tok-123"),
            "header" => ComfyCredentials.Header("X-API-Key", "key-456"),
            _ => ComfyCredentials.QueryToken("token", "q s&7"),
        }));

        await socket.ConnectAsync(CancellationToken.None).WaitAsync(Wait);
        var request = await _server.NextAsync();

        switch (kind)
        {
            case "basic":
                Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ann:p@ss:wörd")), request.Headers["Authorization"]);
                break;
            case "bearer":
                Assert.Equal("Bearer tok-123", request.Headers["Authorization"]);
                break;
            case "header":
                Assert.Equal("key-456", request.Headers["X-API-Key"]);
                break;
            default:
                Assert.Equal("/ws?clientId=client-1&token=q%20s%267", request.Target);
                Assert.DoesNotContain("q%20s%267", socket.RedactedUri, StringComparison.Ordinal);
                break;
        }

        if (kind != "query")
        {
            Assert.Equal("/ws?clientId=client-1", request.Target);
        }
    }

    [Fact]
    public async Task Connect_BaseAddressWithPathPrefix_KeepsThePrefix()
    {
        var socket = Create(path: "/comfy/");
        await socket.ConnectAsync(CancellationToken.None).WaitAsync(Wait);

        Assert.Equal("/comfy/ws?clientId=client-1", (await _server.NextAsync()).Target);
    }

    [Fact]
    public async Task Connect_HelloFrameIsTheFirstMessageTheServerReceives()
    {
        var socket = Create();
        await socket.ConnectAsync(CancellationToken.None).WaitAsync(Wait);
        var server = await _server.NextAsync();
        await socket.SendTextAsync("second", CancellationToken.None).WaitAsync(Wait);

        Assert.Equal(Hello, await server.ReceiveTextAsync());
        Assert.Equal("second", await server.ReceiveTextAsync());
    }

    [Fact]
    public async Task Messages_TextAndBinary_ArriveIntactAsRawBytes()
    {
        var socket = Create();
        await socket.ConnectAsync(CancellationToken.None).WaitAsync(Wait);
        var server = await _server.NextAsync();
        var text = "{\"text\":\"h\u00e9llo \u2713 \U0001F3A8\"}";
        var binary = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray();
        var bigText = new string('x', 100_000) + "\u00e9";

        await server.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);
        await server.SendAsync(binary, WebSocketMessageType.Binary, fragments: 3);
        await server.SendAsync(Encoding.UTF8.GetBytes(bigText), WebSocketMessageType.Text, fragments: 4);
        await server.SendAsync([], WebSocketMessageType.Binary);

        var greeting = await NextMessageAsync();
        Assert.Equal(WebSocketMessageKind.Text, greeting.Kind);
        Assert.Equal(LoopbackWebSocketServer.Greeting, Encoding.UTF8.GetString(greeting.Data.Span));

        var first = await NextMessageAsync();
        Assert.Equal(WebSocketMessageKind.Text, first.Kind);
        Assert.Equal(Encoding.UTF8.GetBytes(text), first.Data.ToArray());

        var second = await NextMessageAsync();
        Assert.Equal(WebSocketMessageKind.Binary, second.Kind);
        Assert.Equal(binary, second.Data.ToArray());

        var third = await NextMessageAsync();
        Assert.Equal(WebSocketMessageKind.Text, third.Kind);
        Assert.Equal(bigText, Encoding.UTF8.GetString(third.Data.Span));

        var empty = await NextMessageAsync();
        Assert.Equal(WebSocketMessageKind.Binary, empty.Kind);
        Assert.Equal(0, empty.Data.Length);
    }

    [Fact]
    public async Task Messages_InterleavedTextAndBinary_EachKeepsItsKindAndBytes()
    {
        // The library hands every message on as binary; the kind comes from the socket that saw the message end.
        var socket = Create();
        await socket.ConnectAsync(CancellationToken.None).WaitAsync(Wait);
        var server = await _server.NextAsync();
        static bool IsText(int i) => i % 3 != 1;
        static byte[] Payload(int i) => IsText(i)
            ? Encoding.UTF8.GetBytes($"{{\"n\":{i},\"s\":\"\u00e9\u2713\"}}")
            : [.. Enumerable.Range(0, 1 + (i * 37 % 9000)).Select(b => (byte)(b + i))];

        for (var i = 0; i < 200; i++)
        {
            await server.SendAsync(Payload(i), IsText(i) ? WebSocketMessageType.Text : WebSocketMessageType.Binary, fragments: 1 + (i % 3));
        }

        Assert.Equal(LoopbackWebSocketServer.Greeting, Encoding.UTF8.GetString((await NextMessageAsync()).Data.Span));
        for (var i = 0; i < 200; i++)
        {
            var message = await NextMessageAsync();
            Assert.Equal(IsText(i) ? WebSocketMessageKind.Text : WebSocketMessageKind.Binary, message.Kind);
            Assert.Equal(Payload(i), message.Data.ToArray());
        }
    }

    [Fact]
    public async Task Messages_LargerThanMaxFrameBytes_AreDroppedAndTheStreamGoesOn()
    {
        var socket = Create(o => o.MaxFrameBytes = 1024);
        await socket.ConnectAsync(CancellationToken.None).WaitAsync(Wait);
        var server = await _server.NextAsync();

        await server.SendAsync(new byte[1025], WebSocketMessageType.Binary);
        await server.SendAsync(new byte[1024], WebSocketMessageType.Binary);

        Assert.Equal(WebSocketMessageKind.Text, (await NextMessageAsync()).Kind); // greeting
        Assert.Equal(1024, (await NextMessageAsync()).Data.Length);
        Assert.Equal(ConnectionState.Connected, socket.CurrentState);
    }

    [Fact]
    public async Task ServerCloses_SocketReconnectsAndIsConnectedAgain()
    {
        var socket = Create();
        await socket.ConnectAsync(CancellationToken.None).WaitAsync(Wait);
        var first = await _server.NextAsync();
        var reconnected = ReconnectedAsync(socket);

        await first.CloseAsync();

        await reconnected.WaitAsync(Wait);
        await first.Ended.WaitAsync(Wait); // the old socket finished its close handshake
        var second = await _server.NextAsync();
        Assert.Equal(Hello, await second.ReceiveTextAsync());
        Assert.Equal(ConnectionState.Connected, socket.CurrentState);
    }

    [Fact]
    public async Task ConnectionReset_SocketReconnectsAndIsConnectedAgain()
    {
        var socket = Create();
        await socket.ConnectAsync(CancellationToken.None).WaitAsync(Wait);
        var first = await _server.NextAsync();
        var reconnected = ReconnectedAsync(socket);

        first.Abort();

        await reconnected.WaitAsync(Wait);
        Assert.Equal(Hello, await (await _server.NextAsync()).ReceiveTextAsync());
    }

    [Fact]
    public async Task ServerClosesRightAfterAccepting_SocketKeepsRetryingWithoutErrors()
    {
        _server.Greet = n => n > 3;
        var socket = Create();
        var errors = new List<Exception>();
        socket.State.Subscribe(_ => { }, errors.Add);
        socket.Start();

        for (var i = 0; i < 3; i++)
        {
            await (await _server.NextAsync()).CloseAsync();
        }

        await socket.ConnectAsync(CancellationToken.None).WaitAsync(Wait);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ConnectAttempt_ServerStaysSilent_OldSocketIsClosedBeforeTheNextConnect()
    {
        _server.Greet = n => n > 1;
        var socket = Create(o => o.ConnectTimeout = TimeSpan.FromMilliseconds(300));

        await socket.ConnectAsync(CancellationToken.None).WaitAsync(Wait);

        // The silent first socket got our close frame (handshake, not a drop) before the second was even opened:
        // ComfyUI's cleanup of an old socket with the same clientId would otherwise unregister the new one.
        Assert.Equal(["accept 1", "close-frame 1", "accept 2"], _server.Events.Take(3));
    }

    [Fact]
    public async Task Connect_NothingListening_RetriesUntilDisposedWithoutErrors()
    {
        var port = _server.Port;
        await _server.DisposeAsync();
        var socket = Create(o => o.BaseAddress = new Uri($"http://127.0.0.1:{port}/"));
        var states = new List<ConnectionState>();
        var errors = new List<Exception>();
        var completed = new TaskCompletionSource();
        socket.State.Subscribe(s => { lock (states) { states.Add(s); } }, errors.Add, () => completed.TrySetResult());

        socket.Start();
        await socket.State.FirstAsync(s => s == ConnectionState.Reconnecting).ToTask().WaitAsync(Wait);
        await socket.DisposeAsync().AsTask().WaitAsync(Wait);
        await completed.Task.WaitAsync(Wait);

        Assert.Empty(errors);
        Assert.Equal([ConnectionState.Disconnected, ConnectionState.Connecting, ConnectionState.Reconnecting, ConnectionState.Closed], states);
    }

    [Fact]
    public async Task DisposeAsync_WhileConnected_ClosesTheServerSocket()
    {
        var socket = Create();
        await socket.ConnectAsync(CancellationToken.None).WaitAsync(Wait);
        var server = await _server.NextAsync();

        await socket.DisposeAsync().AsTask().WaitAsync(Wait);

        await server.Ended.WaitAsync(Wait);
        Assert.Contains("close-frame 1", _server.Events);
        Assert.Equal(ConnectionState.Closed, socket.CurrentState);
    }
}
