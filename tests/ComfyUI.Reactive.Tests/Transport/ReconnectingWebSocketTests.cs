using System.Reactive.Linq;
using System.Text;
using ComfyUI.Reactive.Transport;
using Microsoft.Reactive.Testing;

namespace ComfyUI.Reactive.Tests.Transport;

public sealed class ReconnectingWebSocketTests
{
    private const string Hello = "{\"type\":\"feature_flags\",\"data\":{\"supports_preview_metadata\":true}}";

    private readonly TestScheduler _scheduler = new();
    private readonly FakeWebSocketConnector _connector;
    private readonly List<ConnectionState> _states = [];
    private readonly List<string> _texts = [];
    private readonly List<string> _notifications = [];

    public ReconnectingWebSocketTests()
    {
        _connector = new FakeWebSocketConnector(_scheduler);
    }

    private ReconnectingWebSocket Create(Func<double>? random = null, Action<ComfyClientOptions>? configure = null)
    {
        var options = new ComfyClientOptions
        {
            BaseAddress = new Uri("http://comfy.test:8188/"),
            Scheduler = _scheduler,
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(250),
            ReconnectMaxDelay = TimeSpan.FromSeconds(10),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        configure?.Invoke(options);
        var socket = new ReconnectingWebSocket(options, "client-1", Hello, _connector, random ?? (() => 0.0));
        socket.State.Subscribe(_states.Add, e => _notifications.Add("state error " + e.Message), () => _notifications.Add("state completed"));
        socket.Messages.Subscribe(
            m => _texts.Add(m.Kind + ":" + Encoding.UTF8.GetString(m.Data.Span)),
            e => _notifications.Add("messages error " + e.Message),
            () => _notifications.Add("messages completed"));
        return socket;
    }

    private static Func<double> Sequence(params double[] values)
    {
        var i = 0;
        return () => values[Math.Min(i++, values.Length - 1)];
    }

    private TimeSpan Since(int attempt) => _connector.Attempts[attempt].At - _connector.Attempts[attempt - 1].At;

    [Fact]
    public async Task Start_ThreeDisconnectsOverAnHour_EachEndsConnected()
    {
        await using var socket = Create();
        socket.Start();
        Assert.Equal(ConnectionState.Connected, socket.CurrentState);

        _scheduler.AdvanceBy(TimeSpan.FromMinutes(20).Ticks);
        _connector.Last!.ServerClose();
        _scheduler.AdvanceBy(TimeSpan.FromMinutes(20).Ticks);
        _connector.Last!.Fail(new IOException("connection reset by peer"));
        _scheduler.AdvanceBy(TimeSpan.FromMinutes(20).Ticks);
        _connector.Last!.ServerClose();
        _scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);

        Assert.Equal(
            [
                ConnectionState.Disconnected, ConnectionState.Connecting, ConnectionState.Connected,
                ConnectionState.Reconnecting, ConnectionState.Connected,
                ConnectionState.Reconnecting, ConnectionState.Connected,
                ConnectionState.Reconnecting, ConnectionState.Connected,
            ],
            _states);
        Assert.Equal(4, _connector.Attempts.Count);
        Assert.Empty(_notifications);
    }

    [Fact]
    public async Task Start_ConnectRefused_RetriesWithCappedJitteredBackoffFromTheFirstAttempt()
    {
        // Exact binary fractions, so the expected delays are exact in ticks; 1.0 (and beyond) must not break the cap.
        var random = Sequence(0.0, 0.5, 1.0, 0.25, 0.75, 0.0, 0.875, 7.0);
        _connector.OnConnect = a => a.Number <= 8 ? FakeWebSocketConnector.Refuse() : Task.FromResult<IWebSocketConnection>(_connector.Accept());
        await using var socket = Create(random);

        socket.Start();
        Assert.Equal(ConnectionState.Reconnecting, socket.CurrentState);
        _scheduler.AdvanceBy(TimeSpan.FromMinutes(2).Ticks);

        Assert.Equal(0, _connector.Attempts[0].At.UtcTicks); // the very first attempt is immediate
        TimeSpan[] expected =
        [
            TimeSpan.FromMilliseconds(125),   // 250 · (0.5 + 0)
            TimeSpan.FromMilliseconds(375),   // 500 · 0.75
            TimeSpan.FromMilliseconds(1000),  // 1000 · 1
            TimeSpan.FromMilliseconds(1250),  // 2000 · 0.625
            TimeSpan.FromMilliseconds(3500),  // 4000 · 0.875
            TimeSpan.FromMilliseconds(4000),  // 8000 · 0.5
            TimeSpan.FromMilliseconds(9375),  // min(16000, 10000) · 0.9375
            TimeSpan.FromMilliseconds(10000), // capped, random clamped
        ];
        Assert.Equal(expected, Enumerable.Range(1, 8).Select(Since));
        Assert.Equal(ConnectionState.Connected, socket.CurrentState);
        Assert.Equal([ConnectionState.Disconnected, ConnectionState.Connecting, ConnectionState.Reconnecting, ConnectionState.Connected], _states);
    }

    [Fact]
    public async Task Reconnect_AfterAHealthyConnection_StartsBackoffAgain()
    {
        _connector.OnConnect = a => a.Number <= 3 ? FakeWebSocketConnector.Refuse() : Task.FromResult<IWebSocketConnection>(_connector.Accept());
        await using var socket = Create();
        socket.Start();
        _scheduler.AdvanceBy(TimeSpan.FromSeconds(5).Ticks);
        Assert.Equal(ConnectionState.Connected, socket.CurrentState);
        Assert.Equal([125, 250, 500], Enumerable.Range(1, 3).Select(i => Since(i).TotalMilliseconds));

        _scheduler.AdvanceBy(TimeSpan.FromHours(1).Ticks);
        _connector.Last!.ServerClose();
        _scheduler.AdvanceBy(TimeSpan.FromSeconds(5).Ticks);

        Assert.Equal(5, _connector.Attempts.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(125), _connector.Attempts[4].At - _connector.Connections[0].ClosedAt!.Value);
    }

    [Fact]
    public async Task Reconnect_ConnectionsThatDropRightAfterGreeting_KeepBackingOff()
    {
        await using var socket = Create();
        socket.Start();
        for (var i = 0; i < 4; i++)
        {
            _scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks); // up for less than the max delay: not healthy
            _connector.Last!.ServerClose();
            _scheduler.AdvanceBy(TimeSpan.FromSeconds(5).Ticks);
        }

        var gaps = Enumerable.Range(1, 4).Select(i => (_connector.Attempts[i].At - _connector.Connections[i - 1].ClosedAt!.Value).TotalMilliseconds);
        Assert.Equal([125, 250, 500, 1000], gaps);
    }

    [Fact]
    public async Task Connection_IdleForHours_IsNeverReconnected()
    {
        await using var socket = Create();
        socket.Start();

        _scheduler.AdvanceBy(TimeSpan.FromHours(6).Ticks);

        Assert.Single(_connector.Attempts);
        Assert.Null(_connector.Last!.ClosedAt);
        Assert.Equal(ConnectionState.Connected, socket.CurrentState);
        Assert.Equal([ConnectionState.Disconnected, ConnectionState.Connecting, ConnectionState.Connected], _states);
    }

    [Fact]
    public async Task Reconnect_OldSocketIsClosedAndItsCloseAwaitedBeforeTheNextConnect()
    {
        await using var socket = Create();
        socket.Start();
        var first = _connector.Last!;
        first.HoldClose();

        first.Fail(new IOException("reset"));
        _scheduler.AdvanceBy(TimeSpan.FromSeconds(5).Ticks); // far past the backoff, within the close bound
        Assert.Single(_connector.Attempts);

        first.ReleaseClose();
        _scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);

        Assert.Equal(2, _connector.Attempts.Count);
        var order = _connector.Events.Where(e => !e.StartsWith("send", StringComparison.Ordinal)).ToList();
        Assert.Equal(["connect 1", "close 1", "closed 1", "dispose 1", "connect 2"], order);
    }

    [Fact]
    public async Task Reconnect_OldSocketCloseHangs_IsAbandonedAfterConnectTimeoutAndDisposed()
    {
        await using var socket = Create();
        socket.Start();
        var first = _connector.Last!;
        first.HoldClose();

        first.ServerClose();
        _scheduler.AdvanceBy(TimeSpan.FromSeconds(10).Ticks - 1);
        Assert.Single(_connector.Attempts);
        Assert.False(first.Disposed);

        _scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);

        Assert.True(first.Disposed);
        Assert.Equal(2, _connector.Attempts.Count);
        Assert.Equal(ConnectionState.Connected, socket.CurrentState);
    }

    [Fact]
    public async Task Connect_EveryConnection_SendsTheHelloFrameFirst()
    {
        await using var socket = Create();
        socket.State.Where(s => s == ConnectionState.Connected)
            .Subscribe(_ => socket.SendTextAsync("later", CancellationToken.None).GetAwaiter().GetResult());
        socket.Start();
        for (var i = 0; i < 2; i++)
        {
            _connector.Last!.ServerClose();
            _scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);
        }

        Assert.Equal(3, _connector.Connections.Count);
        Assert.All(_connector.Connections, c => Assert.Equal([Hello, "later"], c.Sent));
    }

    [Fact]
    public async Task Connect_NoHelloFrame_SendsNothing()
    {
        var options = new ComfyClientOptions { Scheduler = _scheduler };
        await using var socket = new ReconnectingWebSocket(options, "c", null, _connector, () => 0);
        socket.Start();

        Assert.Equal(ConnectionState.Connected, socket.CurrentState);
        Assert.Empty(_connector.Last!.Sent);
    }

    [Fact]
    public async Task ConnectAttempt_Hangs_IsAbandonedAfterConnectTimeout()
    {
        var hung = new TaskCompletionSource<IWebSocketConnection>();
        _connector.OnConnect = a => a.Number == 1 ? hung.Task : Task.FromResult<IWebSocketConnection>(_connector.Accept());
        await using var socket = Create();
        socket.Start();

        _scheduler.AdvanceBy(TimeSpan.FromSeconds(10).Ticks - 1);
        Assert.Equal(ConnectionState.Connecting, socket.CurrentState);
        Assert.False(_connector.Attempts[0].Token.IsCancellationRequested);

        _scheduler.AdvanceBy(1);
        Assert.True(_connector.Attempts[0].Token.IsCancellationRequested);
        Assert.Equal(ConnectionState.Reconnecting, socket.CurrentState);

        _scheduler.AdvanceBy(TimeSpan.FromMilliseconds(125).Ticks);
        Assert.Equal(2, _connector.Attempts.Count);
        Assert.Equal(ConnectionState.Connected, socket.CurrentState);

        // The abandoned attempt completing late must not leave a second socket open under the same client id.
        var late = _connector.Accept();
        hung.SetResult(late);
        Assert.True(late.Disposed);
        Assert.False(_connector.Connections[^2].Disposed);
    }

    [Fact]
    public async Task ConnectAttempt_AcceptedButSilent_IsClosedAfterConnectTimeout()
    {
        _connector.OnConnect = a => Task.FromResult<IWebSocketConnection>(_connector.Accept(greet: a.Number > 1));
        await using var socket = Create();
        socket.Start();

        _scheduler.AdvanceBy(TimeSpan.FromSeconds(10).Ticks - 1);
        Assert.Equal(ConnectionState.Connecting, socket.CurrentState);
        _scheduler.AdvanceBy(1);

        Assert.NotNull(_connector.Connections[0].ClosedAt);
        Assert.True(_connector.Connections[0].Disposed);
        _scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);
        Assert.Equal(ConnectionState.Connected, socket.CurrentState);
    }

    [Fact]
    public async Task ConnectAttempt_ServerClosesRightAfterAccepting_CountsAsFailureAndBacksOff()
    {
        _connector.OnConnect = a =>
        {
            var c = _connector.Accept(greet: a.Number > 3);
            if (a.Number <= 3)
            {
                c.ServerClose();
            }

            return Task.FromResult<IWebSocketConnection>(c);
        };
        await using var socket = Create();
        socket.Start();
        _scheduler.AdvanceBy(TimeSpan.FromSeconds(5).Ticks);

        Assert.Equal([125, 250, 500], Enumerable.Range(1, 3).Select(i => Since(i).TotalMilliseconds));
        Assert.Equal([ConnectionState.Disconnected, ConnectionState.Connecting, ConnectionState.Reconnecting, ConnectionState.Connected], _states);
    }

    [Fact]
    public async Task Messages_AcrossReconnectsAndFaults_ArriveInOrderAndNeverError()
    {
        await using var socket = Create();
        socket.Start();
        _connector.Last!.Receive("a");
        _connector.Last!.ReceiveBinary([1, 2, 3]);
        _connector.Last!.Fail(new IOException("reset"));
        _connector.OnConnect = a => a.Number == 2 ? FakeWebSocketConnector.Refuse() : Task.FromResult<IWebSocketConnection>(_connector.Accept());
        _scheduler.AdvanceBy(TimeSpan.FromSeconds(2).Ticks);
        _connector.Last!.Receive("not json at all {{{");

        Assert.Equal(
            ["Text:" + FakeWebSocketConnector.Greeting, "Text:a", "Binary:\u0001\u0002\u0003", "Text:" + FakeWebSocketConnector.Greeting, "Text:not json at all {{{"],
            _texts);
        Assert.Empty(_notifications);
    }

    [Fact]
    public async Task Messages_SubscriberThrows_LoopAndOtherSubscribersCarryOn()
    {
        await using var socket = Create();
        var thrower = new List<string>();
        socket.Messages.Subscribe(m =>
        {
            thrower.Add(Encoding.UTF8.GetString(m.Data.Span));
            throw new InvalidOperationException("subscriber bug");
        });
        socket.State.Subscribe(_ => throw new InvalidOperationException("state subscriber bug"));
        socket.Start();

        _connector.Last!.Receive("one");
        _connector.Last!.Receive("two");
        _connector.Last!.ServerClose();
        _scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);

        Assert.Equal([FakeWebSocketConnector.Greeting, "one", "two", FakeWebSocketConnector.Greeting], thrower);
        Assert.Equal(thrower.Select(t => "Text:" + t), _texts);
        Assert.Equal(ConnectionState.Connected, socket.CurrentState);
        Assert.Equal(2, _connector.Attempts.Count);
    }

    [Fact]
    public async Task DisposeAsync_WhileConnected_ClosesSocketAndCompletesStreams()
    {
        var socket = Create();
        socket.Start();
        var connection = _connector.Last!;

        await socket.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await socket.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)); // idempotent

        Assert.NotNull(connection.ClosedAt);
        Assert.True(connection.Disposed);
        Assert.Equal(ConnectionState.Closed, socket.CurrentState);
        Assert.Equal(ConnectionState.Closed, _states[^1]);
        Assert.Equal(["state completed", "messages completed"], _notifications);

        _scheduler.AdvanceBy(TimeSpan.FromHours(1).Ticks);
        Assert.Single(_connector.Attempts);
        Assert.Throws<ObjectDisposedException>(socket.Start);
    }

    [Fact]
    public async Task DisposeAsync_WhileWaitingToRetry_StopsRetrying()
    {
        _connector.OnConnect = _ => FakeWebSocketConnector.Refuse();
        var socket = Create();
        socket.Start();

        await socket.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        _scheduler.AdvanceBy(TimeSpan.FromHours(1).Ticks);

        Assert.Single(_connector.Attempts);
        Assert.Equal([ConnectionState.Disconnected, ConnectionState.Connecting, ConnectionState.Reconnecting, ConnectionState.Closed], _states);
        Assert.Equal(["state completed", "messages completed"], _notifications);
    }

    [Fact]
    public async Task DisposeAsync_WhileAConnectAttemptHangs_AbandonsIt()
    {
        _connector.OnConnect = _ => new TaskCompletionSource<IWebSocketConnection>().Task;
        var socket = Create();
        socket.Start();

        await socket.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(_connector.Attempts[0].Token.IsCancellationRequested);
        Assert.Equal(ConnectionState.Closed, socket.CurrentState);
    }

    [Fact]
    public async Task DisposeAsync_BeforeStart_PublishesClosedWithoutConnecting()
    {
        var socket = Create();
        await socket.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Empty(_connector.Attempts);
        Assert.Equal([ConnectionState.Disconnected, ConnectionState.Closed], _states);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => socket.ConnectAsync(CancellationToken.None));
    }

    [Fact]
    public async Task State_LateSubscriber_GetsTheLatestStateOnly()
    {
        var socket = Create();
        socket.Start();
        _connector.Last!.ServerClose();

        var late = new List<ConnectionState>();
        using (socket.State.Subscribe(late.Add))
        {
            Assert.Equal([ConnectionState.Reconnecting], late);
        }

        await socket.DisposeAsync();
        var afterDispose = new List<ConnectionState>();
        var completed = false;
        socket.State.Subscribe(afterDispose.Add, () => completed = true);
        Assert.Equal([ConnectionState.Closed], afterDispose);
        Assert.True(completed);
    }

    [Fact]
    public async Task ConnectAsync_RetriesUntilConnected()
    {
        _connector.OnConnect = a => a.Number <= 2 ? FakeWebSocketConnector.Refuse() : Task.FromResult<IWebSocketConnection>(_connector.Accept());
        await using var socket = Create();

        var connecting = socket.ConnectAsync(CancellationToken.None);
        Assert.False(connecting.IsCompleted);
        _scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);

        await connecting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, _connector.Attempts.Count);
    }

    [Fact]
    public async Task SendTextAsync_NotConnected_ThrowsComfyConnectionException()
    {
        _connector.OnConnect = _ => FakeWebSocketConnector.Refuse();
        await using var socket = Create();
        socket.Start();

        await Assert.ThrowsAsync<ComfyConnectionException>(() => socket.SendTextAsync("x", CancellationToken.None));
    }

    [Fact]
    public async Task Connect_UsesTheEndpointAddressAndCredentialHeaders()
    {
        await using var socket = Create(configure: o =>
        {
            o.BaseAddress = new Uri("https://proxy.test/comfy/");
            o.Credentials.Add(ComfyCredentials.Bearer("s3cret"));
            o.Credentials.Add(ComfyCredentials.QueryToken("token", "qs3cret"));
        });
        socket.Start();

        var attempt = _connector.Attempts[0];
        Assert.Equal("wss://proxy.test/comfy/ws?clientId=client-1&token=qs3cret", attempt.Uri.AbsoluteUri);
        Assert.Equal([new KeyValuePair<string, string>("Authorization", "Bearer s3cret")], attempt.Headers);
        Assert.DoesNotContain("qs3cret", socket.RedactedUri, StringComparison.Ordinal);
    }
}

public sealed class ReconnectingWebSocketLoggingTests
{
    [Fact]
    public async Task Logs_ConnectsFailuresRetriesAndDrops_NeverContainASecret()
    {
        var scheduler = new TestScheduler();
        var connector = new FakeWebSocketConnector(scheduler);
        var logger = new ListLogger();
        var options = new ComfyClientOptions { Scheduler = scheduler, Logger = logger };
        options.Credentials.Add(ComfyCredentials.Bearer("bearer-secret"));
        options.Credentials.Add(ComfyCredentials.QueryToken("token", "query-secret"));

        // Failures whose texts echo the secrets, as a proxy's error page or a library message might.
        connector.OnConnect = a => a.Number switch
        {
            1 => Task.FromException<IWebSocketConnection>(new HttpRequestException($"401 for {a.Uri} with Bearer bearer-secret")),
            _ => Task.FromResult<IWebSocketConnection>(connector.Accept()),
        };
        await using (var socket = new ReconnectingWebSocket(options, "c", null, connector, () => 0))
        {
            socket.Start();
            scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);
            connector.Last!.Fail(new IOException("reset while talking to ?token=query-secret"));
            scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);
        }

        var log = string.Join("\n", logger.Lines);
        Assert.DoesNotContain("secret", log, StringComparison.Ordinal);
        Assert.Contains("ws://127.0.0.1:8188/ws?clientId=c&token=***", log, StringComparison.Ordinal);
        Assert.Contains(logger.Lines, l => l.Contains("failed (attempt 1)", StringComparison.Ordinal));
        Assert.Contains(logger.Lines, l => l.Contains("in 125 ms (attempt 2)", StringComparison.Ordinal));
        Assert.Contains(logger.Lines, l => l.Contains("disconnected: error: IOException", StringComparison.Ordinal));
        Assert.Contains(logger.Lines, l => l.Contains("Websocket connected", StringComparison.Ordinal));
    }
}
