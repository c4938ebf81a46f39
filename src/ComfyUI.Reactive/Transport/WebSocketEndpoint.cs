namespace ComfyUI.Reactive.Transport;

/// <summary>
/// Where the socket connects: the <c>ws(s)://host[:port][/prefix]/ws?clientId=…</c> address with every credential
/// applied (headers and query tokens), and the redacted form of that address for logs.
/// </summary>
internal sealed class WebSocketEndpoint
{
    private readonly IReadOnlyList<ComfyCredentials> _credentials;

    private WebSocketEndpoint(Uri uri, IReadOnlyList<KeyValuePair<string, string>> headers, IReadOnlyList<ComfyCredentials> credentials)
    {
        Uri = uri;
        Headers = headers;
        _credentials = credentials;
        RedactedUri = Redact(uri.ToString());
    }

    /// <summary>The address to connect to, query tokens included. Never log it: log <see cref="RedactedUri"/>.</summary>
    public Uri Uri { get; }

    /// <summary>The upgrade request headers the credentials asked for (last one wins per name).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>The address with every secret replaced by <c>***</c>.</summary>
    public string RedactedUri { get; }

    /// <summary>Builds the endpoint from the HTTP base address (http→ws, https→wss, path prefix kept).</summary>
    /// <param name="baseAddress">An absolute <c>http://</c> or <c>https://</c> address, optionally with a path prefix.</param>
    /// <param name="clientId">The session id, sent as <c>clientId</c>.</param>
    /// <param name="credentials">Credentials applied in order.</param>
    /// <remarks>
    /// Uses <c>/ws</c>, not the <c>/api/ws</c> alias: the alias only exists since mid-2024, <c>/ws</c> on every version.
    /// A query or fragment on the base address is dropped; credentials add their own query parameters.
    /// </remarks>
    public static WebSocketEndpoint Create(Uri baseAddress, string clientId, IEnumerable<ComfyCredentials> credentials)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        ArgumentNullException.ThrowIfNull(credentials);
        if (!baseAddress.IsAbsoluteUri ||
            (baseAddress.Scheme != Uri.UriSchemeHttp && baseAddress.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("The base address must be an absolute http:// or https:// URI.", nameof(baseAddress));
        }

        var builder = new UriBuilder(baseAddress)
        {
            Scheme = baseAddress.Scheme == Uri.UriSchemeHttps ? Uri.UriSchemeWss : Uri.UriSchemeWs,
            Fragment = string.Empty,
            Query = "clientId=" + Uri.EscapeDataString(clientId),
        };
        builder.Path = builder.Path.TrimEnd('/') + "/ws";
        if (baseAddress.IsDefaultPort)
        {
            builder.Port = -1;
        }

        var uri = builder.Uri;
        var list = credentials.ToList();
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var credential in list)
        {
            uri = credential.ApplyToWebSocket(uri, (name, value) =>
            {
                headers.RemoveAll(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase));
                headers.Add(new(name, value));
            });
        }

        return new WebSocketEndpoint(uri, headers, list);
    }

    /// <summary>Removes every credential's secret from <paramref name="text"/> (URIs, exception messages, close reasons).</summary>
    /// <param name="text">Text that may contain a secret.</param>
    public string Redact(string text)
    {
        foreach (var credential in _credentials)
        {
            text = credential.Redact(text);
        }

        return text;
    }
}
