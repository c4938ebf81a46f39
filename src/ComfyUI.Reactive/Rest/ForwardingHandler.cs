namespace ComfyUI.Reactive.Rest;

/// <summary>
/// The end of our pipeline when the caller supplied an <see cref="HttpClient"/>: sends each request through it, so its
/// handlers (proxies, certificates, logging) and default headers apply. It is never disposed by us.
/// </summary>
/// <remarks>
/// An <see cref="HttpRequestMessage"/> can be sent by one <see cref="HttpClient"/> only, and ours already sent it, so a
/// copy goes out. The copy shares the content, which is still unsent; the response is re-pointed at the original request.
/// </remarks>
internal sealed class ForwardingHandler(HttpClient client) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var copy = new HttpRequestMessage(request.Method, request.RequestUri)
        {
            Content = request.Content,
            Version = request.Version,
            VersionPolicy = request.VersionPolicy,
        };
        foreach (var header in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        foreach (var option in request.Options)
        {
            ((IDictionary<string, object?>)copy.Options)[option.Key] = option.Value;
        }

        // Headers only: the body stays on the wire so streamed downloads are not buffered by the outer client.
        var response = await client.SendAsync(copy, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        response.RequestMessage = request;
        return response;
    }
}
