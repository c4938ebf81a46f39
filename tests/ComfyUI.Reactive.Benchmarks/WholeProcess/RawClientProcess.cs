using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Benchmarks.RawProtocol;

namespace ComfyUI.Reactive.Benchmarks.WholeProcess;

/// <summary>
/// The baseline: a minimal hand-written ComfyUI client with no SDK — one <see cref="ClientWebSocket"/> and one
/// <see cref="HttpClient"/> per server, two prompts in flight per server (one running, one waiting in the server's own
/// queue, like the pool's default capacity), a prompt counted done at its <c>execution_success</c>.
/// </summary>
internal static class RawClientProcess
{
    private const int InFlightPerServer = 2;

    public static async Task<ProcessSample> RunAsync(IReadOnlyList<Uri> servers, int jobs, string workflowJson)
    {
        var template = JsonNode.Parse(workflowJson)!.AsObject();
        var clock = new JobClock(jobs);
        var connections = new List<Connection>();
        foreach (var server in servers)
        {
            connections.Add(await Connection.OpenAsync(server, clock).ConfigureAwait(false));
        }

        var readyAt = DateTime.UtcNow;
        var next = 0;
        var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (jobs == 0)
        {
            allDone.TrySetResult();
        }

        async Task SubmitNextAsync(Connection connection)
        {
            var n = Interlocked.Increment(ref next);
            if (n > jobs)
            {
                return;
            }

            var prompt = template.DeepClone().AsObject();
            prompt["1"]!["inputs"]!["string_a"] = $"job {n}";
            var promptId = Guid.NewGuid().ToString();
            var body = new JsonObject { ["prompt"] = prompt, ["client_id"] = connection.ClientId, ["prompt_id"] = promptId };
            using var response = await connection.Http.PostAsJsonAsync("/prompt", body).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            clock.Accepted();
        }

        foreach (var connection in connections)
        {
            connection.Started = clock.Started;
            connection.Succeeded = () =>
            {
                if (clock.Finished())
                {
                    allDone.TrySetResult();
                }

                SubmitNextAsync(connection).ContinueWith(
                    t => allDone.TrySetException(t.Exception!), TaskContinuationOptions.OnlyOnFaulted);
            };
        }

        clock.Submitting();
        foreach (var connection in connections)
        {
            for (var i = 0; i < InFlightPerServer; i++)
            {
                await SubmitNextAsync(connection).ConfigureAwait(false);
            }
        }

        await allDone.Task.WaitAsync(TimeSpan.FromMinutes(30)).ConfigureAwait(false);
        var sample = await ProcessSample.MeasureAsync("raw", jobs, readyAt, clock).ConfigureAwait(false);
        foreach (var connection in connections)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        return sample;
    }

    private sealed class Connection : IAsyncDisposable
    {
        private ClientWebSocket _socket = null!;
        private Task _reading = Task.CompletedTask;

        public string ClientId { get; } = Guid.NewGuid().ToString("N");

        public HttpClient Http { get; private init; } = null!;

        public Action Started { get; set; } = () => { };

        public Action Succeeded { get; set; } = () => { };

        public static async Task<Connection> OpenAsync(Uri server, JobClock clock)
        {
            var connection = new Connection { Http = new HttpClient(new FirstPostTimer(clock)) { BaseAddress = server } };
            connection._socket = new ClientWebSocket();
            var ws = new UriBuilder(server) { Scheme = server.Scheme == "https" ? "wss" : "ws", Path = "/ws", Query = $"clientId={connection.ClientId}" };
            await connection._socket.ConnectAsync(ws.Uri, CancellationToken.None).ConfigureAwait(false);
            connection._reading = RawMessageReader.ReadAllAsync(connection._socket, connection.OnMessage);
            return connection;
        }

        public async ValueTask DisposeAsync()
        {
            await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
            await _reading.ConfigureAwait(false);
            _socket.Dispose();
            Http.Dispose();
        }

        private void OnMessage(WebSocketMessageType type, ReadOnlyMemory<byte> bytes)
        {
            if (type != WebSocketMessageType.Text)
            {
                return;
            }

            // What any hand-written client does: parse the frame and look at its type.
            using var frame = JsonDocument.Parse(bytes);
            switch (frame.RootElement.GetProperty("type").GetString())
            {
                case "execution_start":
                    Started();
                    break;
                case "execution_success":
                    Succeeded();
                    break;
            }
        }
    }
}
