using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Text;
using ComfyUI.Reactive.Transport;

namespace ComfyUI.Reactive.Tests.Transport;

/// <summary>One recorded call to <see cref="FakeWebSocketConnector.ConnectAsync"/>.</summary>
internal sealed record FakeConnectAttempt(int Number, Uri Uri, IReadOnlyList<KeyValuePair<string, string>> Headers, DateTimeOffset At, CancellationToken Token);

/// <summary>
/// A connector whose connections the test drives. Everything completes synchronously (no async continuations), so the
/// reconnect loop runs on the test thread while a <c>TestScheduler</c> advances.
/// </summary>
internal sealed class FakeWebSocketConnector(IScheduler scheduler) : IWebSocketConnector
{
    public const string Greeting = "{\"type\":\"status\",\"data\":{\"status\":{\"exec_info\":{\"queue_remaining\":0}},\"sid\":\"client-1\"}}";

    /// <summary>Decides each attempt; default: accept and greet.</summary>
    public Func<FakeConnectAttempt, Task<IWebSocketConnection>> OnConnect { get; set; } = null!;

    public List<FakeConnectAttempt> Attempts { get; } = [];

    public List<FakeWebSocketConnection> Connections { get; } = [];

    /// <summary>Connects, sends, closes and disposals in the order they happened, e.g. "connect 1", "close 1".</summary>
    public List<string> Events { get; } = [];

    public FakeWebSocketConnection? Last => Connections.Count == 0 ? null : Connections[^1];

    public Task<IWebSocketConnection> ConnectAsync(Uri uri, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
    {
        var attempt = new FakeConnectAttempt(Attempts.Count + 1, uri, headers, scheduler.Now, cancellationToken);
        Attempts.Add(attempt);
        Events.Add($"connect {attempt.Number}");
        return (OnConnect ?? (_ => Task.FromResult<IWebSocketConnection>(Accept())))(attempt);
    }

    /// <summary>A new open connection (numbered by attempt), greeting the client unless told not to.</summary>
    public FakeWebSocketConnection Accept(bool greet = true)
    {
        var connection = new FakeWebSocketConnection(Attempts.Count, Events, scheduler);
        Connections.Add(connection);
        if (greet)
        {
            connection.Receive(Greeting);
        }

        return connection;
    }

    public static Task<IWebSocketConnection> Refuse() =>
        Task.FromException<IWebSocketConnection>(new System.Net.WebSockets.WebSocketException("connection refused"));
}

internal sealed class FakeWebSocketConnection(int number, List<string> events, IScheduler scheduler) : IWebSocketConnection
{
    private readonly TaskCompletionSource<WebSocketClosure> _closed = new();
    private List<WebSocketMessage>? _pending = [];
    private IObserver<WebSocketMessage>? _observer;
    private TaskCompletionSource? _holdClose;

    public int Number { get; } = number;

    public List<string> Sent { get; } = [];

    public bool Disposed { get; private set; }

    public DateTimeOffset? ClosedAt { get; private set; }

    public IObservable<WebSocketMessage> Messages => Observable.Create<WebSocketMessage>(observer =>
    {
        var held = _pending ?? throw new InvalidOperationException("single subscriber");
        _pending = null;
        _observer = observer;
        foreach (var m in held)
        {
            observer.OnNext(m);
        }

        if (_closed.Task.IsCompleted)
        {
            observer.OnCompleted();
        }

        return Disposable.Create(() => _observer = null);
    });

    public Task<WebSocketClosure> Closed => _closed.Task;

    /// <summary>Makes <see cref="CloseAsync"/> wait until <see cref="ReleaseClose"/>.</summary>
    public void HoldClose() => _holdClose = new TaskCompletionSource();

    public void ReleaseClose() => _holdClose?.TrySetResult();

    public void Receive(string text) => Deliver(new WebSocketMessage(WebSocketMessageKind.Text, Encoding.UTF8.GetBytes(text)));

    public void ReceiveBinary(byte[] bytes) => Deliver(new WebSocketMessage(WebSocketMessageKind.Binary, bytes));

    public void ServerClose() => End(new WebSocketClosure(true, System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", null));

    public void Fail(Exception error) => End(new WebSocketClosure(false, null, null, error));

    public Task SendTextAsync(string text, CancellationToken cancellationToken)
    {
        if (_closed.Task.IsCompleted)
        {
            return Task.FromException(new System.Net.WebSockets.WebSocketException("closed"));
        }

        Sent.Add(text);
        events.Add($"send {Number} {text}");
        return Task.CompletedTask;
    }

    public Task CloseAsync(CancellationToken cancellationToken)
    {
        events.Add($"close {Number}");
        var hold = _holdClose?.Task.WaitAsync(cancellationToken) ?? Task.CompletedTask;

        // ContinueWith(ExecuteSynchronously), not await: the close must finish on the thread that releases it.
        return hold.ContinueWith(
            t =>
            {
                t.GetAwaiter().GetResult();
                events.Add($"closed {Number}");
                ClosedAt ??= scheduler.Now;
                End(WebSocketClosure.ByClient);
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    public ValueTask DisposeAsync()
    {
        if (!Disposed)
        {
            Disposed = true;
            events.Add($"dispose {Number}");
            End(WebSocketClosure.ByClient);
        }

        return ValueTask.CompletedTask;
    }

    private void Deliver(WebSocketMessage message)
    {
        if (_closed.Task.IsCompleted)
        {
            return;
        }

        if (_pending is not null)
        {
            _pending.Add(message);
        }
        else
        {
            _observer?.OnNext(message);
        }
    }

    private void End(WebSocketClosure closure)
    {
        if (_closed.TrySetResult(closure))
        {
            _observer?.OnCompleted();
        }
    }
}
