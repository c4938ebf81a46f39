using System.Net;

namespace ComfyUI.Reactive;

/// <summary>
/// The server answered a REST call with an error status (or with an answer that could not be read). Carries what the
/// server said: <see cref="StatusCode"/>, the request, and the <see cref="ResponseBody"/> text (ComfyUI's error pages are
/// often plain text, e.g. <c>500 Internal Server Error</c>).
/// </summary>
/// <remarks><see cref="RequestUri"/> and the message have every configured credential redacted.</remarks>
public class ComfyApiException : ComfyException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public ComfyApiException()
        : this("A ComfyUI REST call failed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public ComfyApiException(string message)
        : this(message, (Exception?)null)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public ComfyApiException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Method = string.Empty;
    }

    /// <summary>Creates the exception for one failed call.</summary>
    /// <param name="message">What failed, in words a person can act on (no credentials).</param>
    /// <param name="statusCode">The HTTP status the server answered with.</param>
    /// <param name="method">The HTTP method, e.g. <c>POST</c>.</param>
    /// <param name="requestUri">The request URI with credentials redacted, or null.</param>
    /// <param name="responseBody">The response body as text, or null when there was none.</param>
    /// <param name="innerException">The cause, if any.</param>
    public ComfyApiException(
        string message, HttpStatusCode statusCode, string method, Uri? requestUri, string? responseBody, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Method = method ?? string.Empty;
        RequestUri = requestUri;
        ResponseBody = responseBody;
    }

    /// <summary>The HTTP status the server answered with.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The HTTP method of the failed call, e.g. <c>GET</c>.</summary>
    public string Method { get; }

    /// <summary>The URI of the failed call, with credentials redacted; null when unknown.</summary>
    public Uri? RequestUri { get; }

    /// <summary>The response body as text (possibly shortened), or null when the server sent none.</summary>
    public string? ResponseBody { get; }

    /// <summary>True for 5xx, 408 (request timeout) and 429 (too many requests): the server's state, not the request.
    /// Any other status (and an answer that could not be read) comes back the same on a retry.</summary>
    public override bool IsTransient =>
        (int)StatusCode is >= 500 and < 600 || StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
}
