using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace ComfyUI.Reactive.IntegrationTests.Emulator;

/// <summary>A frame as received: text JSON or binary bytes.</summary>
internal sealed record Frame(string? Text, byte[]? Binary)
{
    public JsonObject Json => JsonNode.Parse(Text!)!.AsObject();

    public string Type => Text is not null ? Json["type"]!.GetValue<string>() : "BINARY";

    public JsonNode? Data => Json["data"];

    public uint BinaryType => BinaryPrimitives.ReadUInt32BigEndian(Binary);

    /// <summary>The notation of the transcripts' "Type sequence" lines: executing(3), progress(2), BINARY(4), executing(None).</summary>
    public string Label
    {
        get
        {
            if (Binary is not null)
            {
                return $"BINARY({BinaryType})";
            }

            var type = Type;
            if (type is "executing" or "executed")
            {
                var node = Data!["node"];
                return $"{type}({(node is null ? "None" : node.GetValue<string>())})";
            }

            return type == "progress" ? $"progress({Data!["node"]!.GetValue<string>()})" : type;
        }
    }

    public override string ToString() => Text ?? $"<binary {Binary!.Length} bytes, type {BinaryType}>";
}

/// <summary>A raw websocket client (no SDK): collects every frame in order.</summary>
internal sealed class RawClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private readonly ClientWebSocket socket = new();
    private readonly Channel<Frame> frames = Channel.CreateUnbounded<Frame>();
    private Task reader = Task.CompletedTask;

    public List<Frame> Seen { get; } = [];

    public string ClientId { get; private set; } = "";

    public WebSocketState State => socket.State;

    public static async Task<RawClient> ConnectAsync(Uri baseAddress, string? clientId, bool featureFlags, Action<ClientWebSocketOptions>? configure = null)
    {
        var client = new RawClient { ClientId = clientId ?? "" };
        configure?.Invoke(client.socket.Options);
        var uri = new Uri($"ws://{baseAddress.Authority}/ws" + (clientId is null ? "" : "?clientId=" + Uri.EscapeDataString(clientId)));
        await client.socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(Timeout);
        if (featureFlags)
        {
            await client.SendTextAsync("""{"type": "feature_flags", "data": {"supports_preview_metadata": true}}""");
        }

        client.reader = client.ReadLoopAsync();
        return client;
    }

    public Task SendTextAsync(string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[1 << 20];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        frames.Writer.TryComplete();
                        return;
                    }

                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                frames.Writer.TryWrite(result.MessageType == WebSocketMessageType.Text
                    ? new Frame(Encoding.UTF8.GetString(message.ToArray()), null)
                    : new Frame(null, message.ToArray()));
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            frames.Writer.TryComplete(ex);
        }
    }

    public async Task<Frame> NextAsync()
    {
        var frame = await frames.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        Seen.Add(frame);
        return frame;
    }

    /// <summary>Reads frames until one matches; returns it.</summary>
    public async Task<Frame> WaitForAsync(Func<Frame, bool> match)
    {
        while (true)
        {
            var frame = await NextAsync();
            if (match(frame))
            {
                return frame;
            }
        }
    }

    /// <summary>Waits for the end of a prompt: <c>executing {node: null, prompt_id}</c>.</summary>
    public Task<Frame> WaitForDoneAsync(string promptId) =>
        WaitForAsync(f => f.Text is not null && f.Type == "executing" && f.Data!["node"] is null && f.Data["prompt_id"]?.GetValue<string>() == promptId);

    /// <summary>Completes when the server closes or drops the connection.</summary>
    public async Task WaitForDisconnectAsync()
    {
        try
        {
            while (await frames.Reader.WaitToReadAsync().AsTask().WaitAsync(Timeout))
            {
                Seen.Add(await frames.Reader.ReadAsync());
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ChannelClosedException)
        {
        }
    }

    public string Sequence => string.Join(" -> ", Seen.Select(f => f.Label));

    public async Task CloseAsync()
    {
        if (socket.State == WebSocketState.Open)
        {
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(Timeout);
        }

        await reader.WaitAsync(Timeout);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CloseAsync();
        }
        catch (Exception ex) when (ex is WebSocketException or TimeoutException or OperationCanceledException)
        {
        }

        socket.Dispose();
    }
}
