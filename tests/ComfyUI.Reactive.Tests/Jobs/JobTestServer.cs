using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Tests.Rest;
using ComfyUI.Reactive.Tests.Transport;
using ComfyUI.Reactive.Workflows;
using Microsoft.Reactive.Testing;

namespace ComfyUI.Reactive.Tests.Jobs;

/// <summary>A fake server for jobs: a driven socket, a scripted HTTP API, and virtual time.</summary>
internal sealed class JobTestServer : IAsyncDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public const string BasicWorkflow = """
        {"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 0}},
         "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}, "_meta": {"title": "Invert it"}},
         "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "x"}}}
        """;

    private readonly List<ComfyClient> _clients = [];
    private int _number;

    public JobTestServer()
    {
        Connector = new FakeWebSocketConnector(Scheduler);
        Http = new FakeHttpHandler(async (request, cancellationToken) =>
        {
            var isQueue = request.Method == HttpMethod.Get && request.RequestUri!.AbsolutePath.EndsWith("/queue", StringComparison.Ordinal);
            if ((isQueue ? QueueGate : HttpGate) is { } gate)
            {
                await gate.WaitAsync(cancellationToken);
            }

            if (Unreachable?.Invoke() is { } fault)
            {
                throw fault;
            }

            if (FailStatus is { } status)
            {
                return FakeHttpHandler.Answer(status, $"{(int)status} Server Error", "text/plain");
            }

            return Answer(request);
        });
    }

    public TestScheduler Scheduler { get; } = new();

    public FakeWebSocketConnector Connector { get; }

    public FakeHttpHandler Http { get; }

    /// <summary>The history entry JSON (the object under the id) for a prompt id, or null when unknown.</summary>
    public Func<string, string?> History { get; set; } = _ => null;

    /// <summary>The running and pending prompt ids GET /queue reports.</summary>
    public Func<(string[] Running, string[] Pending)> Queue { get; set; } = () => ([], []);

    /// <summary>Prompt ids deleted with <c>POST /queue {"delete": [...]}</c>; GET /queue no longer lists them as pending.</summary>
    public HashSet<string> Deleted { get; } = new(StringComparer.Ordinal);

    /// <summary>When set, GET /queue answers only once this task completes (to hold a reconciliation mid-way).</summary>
    public Task? QueueGate { get; set; }

    /// <summary>When set, every answer but GET /queue waits for this task, observing the request's cancellation.</summary>
    public Task? HttpGate { get; set; }

    /// <summary>Called with the prompt id while the POST is handled, before it is answered.</summary>
    public Action<string>? OnPrompt { get; set; }

    /// <summary>When set, every HTTP request fails with what it returns (e.g. <see cref="Refused"/>); null lets that one through.</summary>
    public Func<Exception?>? Unreachable { get; set; }

    /// <summary>When set, every HTTP request is answered with this status (an overloaded or failing server).</summary>
    public HttpStatusCode? FailStatus { get; set; }

    /// <summary>The id the POST answers with, given the client's (an old server ignores it); default: the client's.</summary>
    public Func<string, string> AssignPromptId { get; set; } = id => id;

    /// <summary>The version <c>/system_stats</c> reports (targeted interrupts need 0.3.56 or later).</summary>
    public string ComfyUIVersion { get; set; } = "0.3.64";

    /// <summary>What HttpClient throws when nothing listens on the port: the server process is gone.</summary>
    public static Exception Refused() =>
        new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (comfy.test:8188)", new SocketException((int)SocketError.ConnectionRefused));

    /// <summary>What HttpClient throws when its timeout passes: a slow server, not a dead one.</summary>
    public static Exception TimedOut() => new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout.", new TimeoutException());

    public static Workflow Basic => Workflow.Parse(BasicWorkflow);

    /// <summary>How many images were uploaded; the n-th is stored as <c>stored-n.png</c>.</summary>
    public int Uploads { get; private set; }

    public static JobOptions NoValidation(JobOptions? options = null) => new()
    {
        ValidateBeforeSubmit = false,
        StartTimeout = options?.StartTimeout,
        InactivityTimeout = options?.InactivityTimeout,
        OverallTimeout = options?.OverallTimeout,
        PreviewInterval = options?.PreviewInterval,
        ComfyOrgApiKey = options?.ComfyOrgApiKey,
        TrackQueuePosition = options?.TrackQueuePosition ?? true,
        Attachments = options?.Attachments ?? [],
    };

    public ComfyClient Client(Action<ComfyClientOptions>? configure = null)
    {
        var options = new ComfyClientOptions
        {
            BaseAddress = new Uri("http://comfy.test:8188/"),
            ClientId = "client-1",
            Scheduler = Scheduler,
            HttpMessageHandler = Http,
        };
        configure?.Invoke(options);
        var client = new ComfyClient(options, Connector, () => 0.0);
        _clients.Add(client);
        return client;
    }

    public void Send(string type, string data) => Connector.Last!.Receive($$"""{"type": "{{type}}", "data": {{data}}}""");

    public void Start(string id) => Send("execution_start", $$"""{"prompt_id": "{{id}}", "timestamp": 1}""");

    public void Executing(string id, string? node) =>
        Send("executing", node is null ? $$"""{"node": null, "prompt_id": "{{id}}"}""" : $$"""{"node": "{{node}}", "display_node": "{{node}}", "prompt_id": "{{id}}"}""");

    public void Executed(string id, string node, string? output) =>
        Send("executed", $$"""{"node": "{{node}}", "display_node": "{{node}}", "output": {{output ?? "null"}}, "prompt_id": "{{id}}"}""");

    public void Success(string id) => Send("execution_success", $$"""{"prompt_id": "{{id}}", "timestamp": 2}""");

    public void Finish(string id)
    {
        Success(id);
        Executing(id, null);
    }

    public static string ImageOutput(string file) => $$"""{"images": [{"filename": "{{file}}", "subfolder": "", "type": "output"}]}""";

    public static string SuccessHistory(string id, string outputs) => $$"""
        {"prompt": [1, "{{id}}", {}, {}, ["3"]], "outputs": {{outputs}},
         "status": {"status_str": "success", "completed": true, "messages": [["execution_start", {"prompt_id": "{{id}}"} ]]}, "meta": {} }
        """;

    public IReadOnlyList<RecordedRequest> Requests(string method, string pathEnd)
    {
        lock (Http.Requests)
        {
            return [.. Http.Requests.Where(r => r.Method.Method == method && r.Uri.AbsolutePath.EndsWith(pathEnd, StringComparison.Ordinal))];
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }
    }

    private HttpResponseMessage Answer(HttpRequestMessage request)
    {
        var path = request.RequestUri!.AbsolutePath;
        if (request.Method == HttpMethod.Post && path.EndsWith("/prompt", StringComparison.Ordinal))
        {
            var body = JsonNode.Parse(request.Content!.ReadAsStringAsync().GetAwaiter().GetResult())!;
            var id = AssignPromptId(body["prompt_id"]!.GetValue<string>());
            OnPrompt?.Invoke(id);
            return Json($$"""{"prompt_id": "{{id}}", "number": {{Interlocked.Increment(ref _number)}}, "node_errors": {} }""");
        }

        if (request.Method == HttpMethod.Post && path.EndsWith("/queue", StringComparison.Ordinal))
        {
            var body = JsonNode.Parse(request.Content!.ReadAsStringAsync().GetAwaiter().GetResult())!;
            lock (Deleted)
            {
                foreach (var id in body["delete"]?.AsArray() ?? [])
                {
                    Deleted.Add(id!.GetValue<string>());
                }
            }

            return Json("{}");
        }

        if (request.Method == HttpMethod.Post && path.EndsWith("/upload/image", StringComparison.Ordinal))
        {
            Uploads++;
            return Json($$"""{"name": "stored-{{Uploads}}.png", "subfolder": "", "type": "input"}""");
        }

        if (request.Method == HttpMethod.Get && path.EndsWith("/queue", StringComparison.Ordinal))
        {
            var (running, pending) = Queue();
            lock (Deleted)
            {
                pending = [.. pending.Where(p => !Deleted.Contains(p))];
            }

            static string Items(string[] ids) => string.Join(",", ids.Select((id, i) => $$"""[{{i}}, "{{id}}", {}, {"client_id": "client-1"}, ["3"]]"""));
            return Json($$"""{"queue_running": [{{Items(running)}}], "queue_pending": [{{Items(pending)}}]}""");
        }

        if (request.Method == HttpMethod.Get && path.EndsWith("/system_stats", StringComparison.Ordinal))
        {
            return Json($$"""{"system": {"comfyui_version": "{{ComfyUIVersion}}"}, "devices": []}""");
        }

        if (request.Method == HttpMethod.Get && path.EndsWith("/models", StringComparison.Ordinal))
        {
            return Json("[]");
        }

        if (request.Method == HttpMethod.Get && path.Contains("/history/", StringComparison.Ordinal))
        {
            var id = path[(path.LastIndexOf('/') + 1)..];
            return Json(History(id) is { } entry ? $$"""{"{{id}}": {{entry}}}""" : "{}");
        }

        return Json("{}");
    }

    private static HttpResponseMessage Json(string body) => FakeHttpHandler.Answer(HttpStatusCode.OK, body);
}
