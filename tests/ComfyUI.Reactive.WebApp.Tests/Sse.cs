using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace ComfyUI.Reactive.WebApp.Tests;

/// <summary>One Server-Sent Event as a browser's EventSource would see it: its name and its JSON data.</summary>
internal sealed record SseEvent(string Name, JsonElement Data)
{
    public override string ToString() => $"{Name} {Data.GetRawText()[..Math.Min(120, Data.GetRawText().Length)]}";
}

/// <summary>Reads an SSE response with the framework's own parser.</summary>
internal static class Sse
{
    public static async IAsyncEnumerable<SseEvent> ReadAsync(HttpClient http, string path, [EnumeratorCancellation] CancellationToken ct)
    {
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(ct))
        {
            using var data = JsonDocument.Parse(item.Data);
            yield return new SseEvent(item.EventType, data.RootElement.Clone());
        }
    }

    /// <summary>Every event until the server ends the stream, within <see cref="TestApp.Limit"/>.</summary>
    public static async Task<List<SseEvent>> ReadToEndAsync(HttpClient http, string path)
    {
        using var limit = new CancellationTokenSource(TestApp.Limit);
        var events = new List<SseEvent>();
        await foreach (var e in ReadAsync(http, path, limit.Token))
        {
            events.Add(e);
        }

        return events;
    }
}
