using System.Collections.Concurrent;
using ComfyUI.Reactive.Transport;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using ComfyUI.Reactive.Events;
using ComfyUI.Reactive.Tests.Events;
using ComfyUI.Reactive.Tests.Rest;
using ComfyUI.Reactive.Tests.Transport;
using Microsoft.Reactive.Testing;

namespace ComfyUI.Reactive.Tests.Client;

/// <summary>Concurrency and lifecycle of <see cref="ComfyClient"/>: disposal at awkward moments, many callers, storms.</summary>
public sealed class ComfyClientLifecycleTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly TestScheduler _scheduler = new();
    private readonly FakeWebSocketConnector _connector;
    private readonly ListLogger _logger = new();

    public ComfyClientLifecycleTests()
    {
        _connector = new FakeWebSocketConnector(_scheduler);
    }

    private ComfyClient Create(Action<ComfyClientOptions>? configure = null)
    {
        var options = new ComfyClientOptions
        {
            BaseAddress = new Uri("http://comfy.test:8188/"),
            ClientId = "client-1",
            Scheduler = _scheduler,
            Logger = _logger,
            ReconnectInitialDelay = TimeSpan.FromSeconds(1),
            ReconnectMaxDelay = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            HttpMessageHandler = FakeHttpHandler.Json("""{"exec_info": {"queue_remaining": 0}}"""),
        };
        configure?.Invoke(options);
        return new ComfyClient(options, _connector, () => 0.0);
    }

    [Fact]
    public async Task Api_DisposedAsIDisposableByACaller_IsNotDisposableAndTheClientKeepsWorking()
    {
        await using var client = Create();
        object api = client.Api;

        // What "using (comfy.Api)" would do if it compiled: the client owns the API, so nothing may end it.
        (api as IDisposable)?.Dispose();
        if (api is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }

        Assert.False(api is IDisposable or IAsyncDisposable);
        var status = await client.Api.GetQueueStatusAsync().WaitAsync(Wait);
        Assert.Equal(0, status.ExecInfo.QueueRemaining);
    }

    [Fact]
    public async Task ConnectAsync_WhileReconnectingAfterADrop_WaitsForTheReconnectInsteadOfFailing()
    {
        await using var client = Create();
        await client.ConnectAsync().WaitAsync(Wait);
        _connector.Last!.ServerClose();
        Assert.Equal(ConnectionState.Reconnecting, client.ConnectionState);

        // "Waits until it is connected": the socket is only between two attempts (the server restarts), HTTP answers.
        var connect = client.ConnectAsync();
        Assert.False(connect.IsCompleted, connect.Exception?.GetBaseException().Message);

        _scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);

        await connect.WaitAsync(Wait);
        Assert.Equal(ConnectionState.Connected, client.ConnectionState);
        Assert.Equal(2, _connector.Attempts.Count);
    }

    [Fact]
    public async Task ConnectAsync_WhileReconnectingAndTheNextAttemptFails_ExplainsTheFailure()
    {
        await using var client = Create();
        await client.ConnectAsync().WaitAsync(Wait);
        _connector.OnConnect = _ => FakeWebSocketConnector.Refuse();
        _connector.Last!.ServerClose();

        var connect = client.ConnectAsync();
        _scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);

        var error = await Assert.ThrowsAsync<ComfyConnectionException>(() => connect.WaitAsync(Wait));
        Assert.Contains("ws://comfy.test:8188/ws", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposeAsync_WhileConnectAsyncWaitsOnAHangingAttempt_ConnectAsyncThrowsObjectDisposed()
    {
        var client = Create();
        _connector.OnConnect = attempt => new TaskCompletionSource<IWebSocketConnection>().Task.WaitAsync(attempt.Token);

        var connect = client.ConnectAsync();
        Assert.False(connect.IsCompleted);

        await client.DisposeAsync().AsTask().WaitAsync(Wait);

        await Assert.ThrowsAsync<ObjectDisposedException>(() => connect.WaitAsync(Wait));
        Assert.Equal(ConnectionState.Closed, client.ConnectionState);
    }

    [Fact]
    public async Task DisposeAsync_WhileTheServerNeverSendsItsFirstFrame_ConnectAsyncThrowsAndTheSocketIsClosed()
    {
        var client = Create();
        _connector.OnConnect = _ => Task.FromResult<IWebSocketConnection>(_connector.Accept(greet: false));

        var connect = client.ConnectAsync();
        Assert.Equal(ConnectionState.Connecting, client.ConnectionState);

        await client.DisposeAsync().AsTask().WaitAsync(Wait);

        await Assert.ThrowsAsync<ObjectDisposedException>(() => connect.WaitAsync(Wait));
        Assert.True(_connector.Last!.Disposed);
    }

    [Fact]
    public async Task DisposeAsync_FromInsideAnEventCallback_CompletesEveryStreamOnceAndClosesTheSocket()
    {
        var client = Create();
        var notifications = new List<string>();
        Task? disposing = null;
        using var first = client.Events.Subscribe(
            e =>
            {
                notifications.Add("first " + e.Type);
                if (e is ProgressEvent)
                {
                    disposing = client.DisposeAsync().AsTask();
                }
            },
            ex => notifications.Add("first error " + ex.GetType().Name),
            () => notifications.Add("first completed"));
        using var second = client.Events.Subscribe(
            e => notifications.Add("second " + e.Type),
            ex => notifications.Add("second error " + ex.GetType().Name),
            () => notifications.Add("second completed"));
        var connection = _connector.Last!;

        connection.Receive("""{"type":"progress","data":{"value":1,"max":2}}""");
        await disposing!.WaitAsync(Wait);
        connection.Receive("""{"type":"progress","data":{"value":2,"max":2}}""");

        Assert.True(connection.Disposed);
        Assert.Equal(ConnectionState.Closed, client.ConnectionState);
        Assert.DoesNotContain(notifications, n => n.Contains("error", StringComparison.Ordinal));
        Assert.Single(notifications, "first completed");
        Assert.Single(notifications, "second completed");

        // Nothing after a completion (Rx grammar), for every subscriber.
        Assert.Equal("first completed", notifications.Last(n => n.StartsWith("first", StringComparison.Ordinal)));
        Assert.Equal("second completed", notifications.Last(n => n.StartsWith("second", StringComparison.Ordinal)));
        Assert.Empty(_logger.Lines.Where(l => l.Contains("subscriber", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task ProgressText_AfterReconnectingToAServerWithoutTextMetadata_IsReadInTheLegacyLayout()
    {
        await using var client = Create();
        var texts = new List<ProgressTextEvent>();
        using var _ = client.ProgressText.Subscribe(texts.Add);
        _connector.Last!.Receive("""{"type":"feature_flags","data":{"supports_progress_text_metadata":true}}""");
        _connector.Last.ReceiveBinary(RecordedFrames.Type3("5", "before", "p-1"));

        // The server restarts as an older build that does not answer the hello: its text frames have no prompt id.
        _connector.Last.ServerClose();
        _scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);
        Assert.Equal(ConnectionState.Connected, client.ConnectionState);
        _connector.Last.ReceiveBinary(RecordedFrames.Type3("5", "after"));

        Assert.Equal([("5", "before", "p-1"), ("5", "after", (string?)null)], texts.Select(t => (t.NodeId, t.Text, t.PromptId)));
    }

    [Fact]
    public async Task ConnectAsync_FromManyThreadsAtOnce_OpensOneSocketAndAllComplete()
    {
        await using var client = Create();
        using var start = new Barrier(16);

        // Dedicated threads: the pool of a 2-core machine would not start 16 blocked workers in time.
        var calls = Enumerable.Range(0, 16).Select(_ => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait(Wait);
                return client.ConnectAsync();
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap()).ToArray();

        await Task.WhenAll(calls).WaitAsync(Wait);
        Assert.Single(_connector.Attempts);
        Assert.Equal(ConnectionState.Connected, client.ConnectionState);
    }

    [Fact]
    public async Task Events_SubscribeUnsubscribeStormDuringABurst_SteadySubscriberGetsEveryFrameInOrder()
    {
        await using var client = Create();
        var received = new List<double>();
        var errors = new ConcurrentQueue<Exception>();
        using var steady = client.Progress.Subscribe(p => received.Add(p.Value), errors.Enqueue);
        var connection = _connector.Last!;
        const int Frames = 5000;
        using var stop = new CancellationTokenSource();

        using var running = new CountdownEvent(2);
        var storms = Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(
            () =>
            {
                var count = 0;
                while (!stop.IsCancellationRequested)
                {
                    using var transient = client.Events.Subscribe(_ => { }, errors.Enqueue);
                    using var typed = client.Progress.Where(p => p.Value > 0).Subscribe(_ => { }, errors.Enqueue);
                    if (count++ == 0)
                    {
                        running.Signal();
                    }
                }

                return count;
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        Assert.True(running.Wait(Wait));

        for (var i = 0; i < Frames; i++)
        {
            connection.Receive($$$"""{"type":"progress","data":{"value":{{{i}}},"max":{{{Frames}}}}}""");
        }

        await stop.CancelAsync();
        var churned = await Task.WhenAll(storms).WaitAsync(Wait);

        Assert.All(churned, count => Assert.True(count >= 1));
        Assert.Empty(errors);
        Assert.Equal(Enumerable.Range(0, Frames).Select(i => (double)i), received);
        Assert.Empty(_logger.Lines.Where(l => l.Contains("subscriber", StringComparison.OrdinalIgnoreCase)));
    }
}
