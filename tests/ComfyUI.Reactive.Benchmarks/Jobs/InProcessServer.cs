using System.Globalization;
using System.Net;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using ComfyUI.Reactive.Transport;

namespace ComfyUI.Reactive.Benchmarks.Jobs;

/// <summary>
/// A ComfyUI server without sockets or Kestrel, for measuring what the client itself keeps per job: the HTTP API is an
/// <see cref="HttpMessageHandler"/>, the websocket a connection whose frames one "receive thread" delivers serially.
/// Accepted prompts wait in a queue while <see cref="Paused"/>; otherwise each one runs with the frames a real server
/// sends for StringConcatenate -> PreviewAny. Per queued prompt the server itself keeps one <see cref="Guid"/> (16 B),
/// so it barely shows in the client's numbers.
/// </summary>
internal sealed class InProcessServer : HttpMessageHandler, IWebSocketConnector
{
    /// <summary>The two node schemas of the graph, copied from the emulator's object_info (validation needs them).</summary>
    private const string ObjectInfo = """
        {"StringConcatenate": {"input": {"required": {"string_a": ["STRING", {"multiline": true}], "string_b": ["STRING", {"multiline": true}], "delimiter": ["STRING", {"default": "", "multiline": false}]}}, "input_order": {"required": ["string_a", "string_b", "delimiter"]}, "output": ["STRING"], "output_is_list": [false], "output_name": ["STRING"], "output_tooltips": [null], "name": "StringConcatenate", "display_name": "Concatenate", "description": "", "python_module": "comfy_extras.nodes_string", "category": "utils/string", "output_node": false, "deprecated": false, "experimental": false, "api_node": false},
         "PreviewAny": {"input": {"required": {"source": ["*", {}]}}, "input_order": {"required": ["source"]}, "output": [], "output_is_list": [], "output_name": [], "name": "PreviewAny", "display_name": "Preview Any", "description": "", "python_module": "comfy_extras.nodes_preview_any", "category": "utils", "output_node": true}}
        """;

    private readonly object _gate = new();
    private readonly List<Guid> _queue = [];
    private readonly Channel<bool> _wake = Channel.CreateUnbounded<bool>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _worker;
    private Connection? _connection;
    private long _number;
    private bool _paused;

    public InProcessServer()
    {
        _worker = Task.Run(RunQueueAsync);
    }

    public bool Paused
    {
        get
        {
            lock (_gate)
            {
                return _paused;
            }
        }

        set
        {
            lock (_gate)
            {
                _paused = value;
            }

            _wake.Writer.TryWrite(true);
        }
    }

    public long Executions { get; private set; }

    public int QueueRequests { get; private set; }

    public Task<IWebSocketConnection> ConnectAsync(Uri uri, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
    {
        var connection = new Connection();
        connection.Deliver("""{"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 0}}, "sid": "bench"} }""");
        _connection = connection;
        return Task.FromResult<IWebSocketConnection>(connection);
    }

    public void Stop() => _wake.Writer.TryComplete();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        string body;
        if (request.Method == HttpMethod.Post && path.EndsWith("/prompt", StringComparison.Ordinal))
        {
            using var document = JsonDocument.Parse(await request.Content!.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
            var id = document.RootElement.GetProperty("prompt_id").GetString()!;
            lock (_gate)
            {
                _queue.Add(Guid.Parse(id));
            }

            _wake.Writer.TryWrite(true);
            body = $$"""{"prompt_id": "{{id}}", "number": {{Interlocked.Increment(ref _number)}}, "node_errors": {} }""";
        }
        else if (request.Method == HttpMethod.Get && path.EndsWith("/queue", StringComparison.Ordinal))
        {
            var pending = new StringBuilder();
            lock (_gate)
            {
                QueueRequests++;
                for (var i = 0; i < _queue.Count; i++)
                {
                    pending.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $$"""[{{i}}, "{{_queue[i]}}", {}, {}, ["2"]]""");
                }
            }

            body = $$"""{"queue_running": [], "queue_pending": [{{pending}}]}""";
        }
        else if (request.Method == HttpMethod.Get && path.EndsWith("/object_info", StringComparison.Ordinal))
        {
            body = ObjectInfo;
        }
        else
        {
            // History, features...: nothing is asked of them in these runs; an empty object is a valid answer.
            body = "{}";
        }

        return new HttpResponseMessage(HttpStatusCode.OK)
        {
            RequestMessage = request,
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
    }

    /// <summary>The server's worker: runs queued prompts one at a time while not paused, frames in ComfyUI's order.</summary>
    private async Task RunQueueAsync()
    {
        while (await _wake.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_wake.Reader.TryRead(out _))
            {
            }

            while (true)
            {
                Guid next;
                lock (_gate)
                {
                    if (_paused || _queue.Count == 0)
                    {
                        break;
                    }

                    next = _queue[0];
                    _queue.RemoveAt(0);
                }

                Execute(next.ToString());
            }
        }
    }

    private void Execute(string id)
    {
        var socket = _connection ?? throw new InvalidOperationException("no socket");
        Executions++;
        socket.Deliver($$"""{"type": "execution_start", "data": {"prompt_id": "{{id}}", "timestamp": 1} }""");
        socket.Deliver($$"""{"type": "executing", "data": {"node": "1", "display_node": "1", "prompt_id": "{{id}}"} }""");
        socket.Deliver($$"""{"type": "executing", "data": {"node": "2", "display_node": "2", "prompt_id": "{{id}}"} }""");
        socket.Deliver($$"""{"type": "executed", "data": {"node": "2", "display_node": "2", "output": {"text": ["x ComfyUI"]}, "prompt_id": "{{id}}"} }""");
        socket.Deliver($$"""{"type": "execution_success", "data": {"prompt_id": "{{id}}", "timestamp": 2} }""");
        socket.Deliver($$"""{"type": "executing", "data": {"node": null, "prompt_id": "{{id}}"} }""");
    }

    private sealed class Connection : IWebSocketConnection
    {
        private readonly TaskCompletionSource<WebSocketClosure> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly object _gate = new();
        private List<WebSocketMessage>? _held = [];
        private IObserver<WebSocketMessage>? _observer;

        public IObservable<WebSocketMessage> Messages => Observable.Create<WebSocketMessage>(observer =>
        {
            lock (_gate)
            {
                foreach (var m in _held ?? throw new InvalidOperationException("single subscriber"))
                {
                    observer.OnNext(m);
                }

                _held = null;
                _observer = observer;
            }

            return Disposable.Create(() => _observer = null);
        });

        public Task<WebSocketClosure> Closed => _closed.Task;

        public void Deliver(string text)
        {
            var message = new WebSocketMessage(WebSocketMessageKind.Text, Encoding.UTF8.GetBytes(text));
            lock (_gate)
            {
                if (_held is not null)
                {
                    _held.Add(message);
                }
                else
                {
                    _observer?.OnNext(message);
                }
            }
        }

        public Task SendTextAsync(string text, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task CloseAsync(CancellationToken cancellationToken)
        {
            End();
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            End();
            return ValueTask.CompletedTask;
        }

        private void End()
        {
            if (_closed.TrySetResult(WebSocketClosure.ByClient))
            {
                _observer?.OnCompleted();
            }
        }
    }
}
