using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace ComfyUI.Reactive.Tests.Rest;

/// <summary>One request as the server would have seen it: captured when sent, body read in full.</summary>
internal sealed record RecordedRequest(HttpMethod Method, Uri Uri, HttpRequestHeaders Headers, MediaTypeHeaderValue? ContentType, byte[]? Body)
{
    public string BodyText => Body is null ? string.Empty : Encoding.UTF8.GetString(Body);
}

/// <summary>
/// A fake server: records every request and answers from a function. Sets <see cref="HttpResponseMessage.RequestMessage"/>
/// on every response, as a real handler does (Refit reads it).
/// </summary>
internal sealed class FakeHttpHandler : HttpMessageHandler
{
    private readonly Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> _respond;

    public FakeHttpHandler(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> respond) => _respond = respond;

    public FakeHttpHandler(Func<HttpRequestMessage, HttpResponseMessage> respond)
        : this((request, _) => Task.FromResult(respond(request)))
    {
    }

    /// <summary>Answers every request with 200 and the given JSON (or an empty body when null).</summary>
    public static FakeHttpHandler Json(string? json, HttpStatusCode status = HttpStatusCode.OK) =>
        new(_ => Answer(status, json, json is null ? null : "application/json"));

    public List<RecordedRequest> Requests { get; } = [];

    public bool Disposed { get; private set; }

    public RecordedRequest Single => Assert.Single(Requests);

    public static HttpResponseMessage Answer(HttpStatusCode status, string? body, string? mediaType = "application/json") =>
        new(status)
        {
            Content = body is null
                ? new ByteArrayContent([])
                : new StringContent(body, Encoding.UTF8, mediaType ?? "text/plain"),
        };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        lock (Requests)
        {
            Requests.Add(new RecordedRequest(request.Method, request.RequestUri!, request.Headers, request.Content?.Headers.ContentType, body));
        }

        var response = await _respond(request, cancellationToken);
        response.RequestMessage ??= request;
        return response;
    }

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }
}

/// <summary>Reads the recorded server answers copied into Fixtures/rest.</summary>
internal static class RestFixtures
{
    public static string Read(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "rest", name));

    public static IEnumerable<string> Names(string pattern) =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "rest"), pattern).Select(Path.GetFileName).Order()!;
}

/// <summary>Builds a <see cref="ComfyApi"/> over a fake handler.</summary>
internal static class TestApi
{
    public static readonly Uri Base = new("http://comfy.test:8188/");

    public static ComfyApi Over(HttpMessageHandler handler, Action<ComfyClientOptions>? configure = null)
    {
        var options = new ComfyClientOptions { BaseAddress = Base, HttpMessageHandler = handler };
        configure?.Invoke(options);
        return new ComfyApi(options);
    }
}
