using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator;

namespace ComfyUI.Reactive.IntegrationTests.Emulator;

/// <summary>The <c>POST /prompt</c> answer leaves the server before any frame of that prompt, as a real ComfyUI's does.</summary>
public sealed class AnswerOrderTests
{
    /// <summary>
    /// The HTTP request goes over a raw socket that the test does not read, so the check is made where order is
    /// decided, not by two client tasks racing: on loopback the answer's bytes are in the socket's receive buffer as soon
    /// as the server has sent them, so when the first frame after the submission arrives the answer must already be there.
    /// A fresh server each time, because the overtaking happened on the first prompt of a freshly started emulator.
    /// </summary>
    [Fact]
    public async Task PostPrompt_FreshServers_AnswerIsSentBeforeTheFirstFrame()
    {
        const int Starts = 25;
        for (var run = 0; run < Starts; run++)
        {
            await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.Zero });
            await using var client = await RawClient.ConnectAsync(emulator.BaseAddress, "order", featureFlags: false);
            await client.WaitForAsync(f => f.Type == "status");
            using var http = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await http.ConnectAsync("127.0.0.1", emulator.Port);
            var promptId = Guid.NewGuid().ToString();
            var body = new JsonObject { ["prompt"] = Fixture.Workflow("text_preview_any"), ["client_id"] = "order", ["prompt_id"] = promptId }.ToJsonString();
            var request = $"POST /prompt HTTP/1.1\r\nHost: 127.0.0.1:{emulator.Port}\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
            await http.SendAsync(Encoding.UTF8.GetBytes(request));

            // The prompt's own frames (the guarantee). The queue's status broadcast carries no prompt id: it is
            // also sent after the answer was handed to Kestrel, but Kestrel writes the two sockets from different
            // threads, so on a loaded machine its bytes can still reach the client first (seen once in a CI run).
            Frame first;
            do
            {
                first = await client.NextAsync();
            }
            while (first.Text is null || first.Data?["prompt_id"]?.GetValue<string>() != promptId);

            var answered = http.Available;

            Assert.True(answered > 0, $"run {run}: {first} arrived before any byte of the POST /prompt answer");
            var answer = await ReadAllAsync(http);
            Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
            Assert.Contains(promptId, answer, StringComparison.Ordinal);
            await client.WaitForDoneAsync(promptId);
        }
    }

    private static async Task<string> ReadAllAsync(Socket socket)
    {
        using var memory = new MemoryStream();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(RawClient.Timeout);
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
        {
            memory.Write(buffer, 0, read);
        }

        return Encoding.UTF8.GetString(memory.ToArray());
    }
}
