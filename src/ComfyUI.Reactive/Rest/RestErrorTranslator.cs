using System.Collections.ObjectModel;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ComfyUI.Reactive.Models;
using Refit;

namespace ComfyUI.Reactive.Rest;

/// <summary>
/// Turns every failure of a REST call into our exception hierarchy, so no Refit or transport type reaches a caller:
/// error statuses become <see cref="ComfyApiException"/> (or its validation and authentication kinds), unreachable servers
/// <see cref="ComfyConnectionException"/>, HttpClient's own timeout <see cref="ComfyTimeoutException"/>; the caller's
/// cancellation stays an <see cref="OperationCanceledException"/>. Every URI and text is redacted first.
/// </summary>
/// <remarks>
/// Refit exceptions are never kept as inner exceptions: they hold the live request, Authorization header included.
/// </remarks>
internal sealed class RestErrorTranslator
{
    /// <summary>How much of an error body is kept on an exception; ComfyUI's error bodies are small, a proxy's page may not be.</summary>
    internal const int MaxBodyChars = 64 * 1024;

    private const int MaxSnippetChars = 200;
    private const int MaxNodesInMessage = 3;

    private readonly IReadOnlyList<ComfyCredentials> _credentials;
    private readonly TimeSpan _requestTimeout;
    private readonly string _basePath;
    private readonly bool _isHttps;

    internal RestErrorTranslator(Uri baseAddress, IReadOnlyList<ComfyCredentials> credentials, TimeSpan requestTimeout)
    {
        _credentials = credentials;
        _requestTimeout = requestTimeout;
        _basePath = baseAddress.AbsolutePath;
        _isHttps = baseAddress.Scheme == Uri.UriSchemeHttps;
        RedactedBaseAddress = Redact(WithoutUserInfo(baseAddress)).ToString();
    }

    /// <summary>The base address with user info and credentials removed, safe for messages.</summary>
    internal string RedactedBaseAddress { get; }

    /// <summary>Replaces every configured credential's secret in <paramref name="text"/> with <c>***</c>.</summary>
    internal string Redact(string text)
    {
        foreach (var credential in _credentials)
        {
            text = credential.Redact(text);
        }

        return text;
    }

    /// <summary>The URI with user info and every credential's secret removed.</summary>
    internal Uri Redact(Uri uri)
    {
        var clean = uri.IsAbsoluteUri ? WithoutUserInfo(uri) : uri;
        var text = Redact(clean.OriginalString);
        return Uri.TryCreate(text, UriKind.RelativeOrAbsolute, out var redacted) ? redacted : new Uri("redacted", UriKind.Relative);
    }

    /// <summary>Translates a failure of a Refit call; returns null for exceptions that are not about HTTP (programming errors).</summary>
    internal Exception? Translate(Exception exception, CancellationToken cancellationToken, bool isPromptSubmission = false)
    {
        switch (exception)
        {
            case ApiException api:
                return FromStatus(api.StatusCode, api.ReasonPhrase, api.HttpMethod.Method, api.Uri, api.Content, isPromptSubmission, api.InnerException);
            case ApiRequestException request:
                return FromTransport(request.InnerException ?? request, request.HttpMethod.Method, request.Uri, cancellationToken);
            case OperationCanceledException or HttpRequestException or IOException:
                return FromTransport(exception, null, null, cancellationToken);
            default:
                return null;
        }
    }

    /// <summary>Builds the exception for an answer with an error status (or a 2xx whose body could not be read).</summary>
    internal ComfyApiException FromStatus(
        HttpStatusCode status, string? reason, string method, Uri? requestUri, string? body, bool isPromptSubmission, Exception? readFailure = null)
    {
        var uri = requestUri is null ? null : Redact(requestUri);
        var text = body is null ? null : Redact(body.Length > MaxBodyChars ? body[..MaxBodyChars] : body);
        var what = Describe(method, uri);
        var code = $"{(int)status} {reason ?? status.ToString()}";

        if ((int)status is >= 200 and < 300)
        {
            var cause = readFailure is null ? "it is not what this SDK expects" : Redact(readFailure.Message);
            return new ComfyApiException($"{what}: the server's answer could not be read ({cause}).", status, method, uri, text);
        }

        if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            var configured = _credentials.Count == 0
                ? "No credentials are configured; if a proxy or gateway guards the server, add one to ComfyClientOptions.Credentials."
                : $"Configured credentials: {string.Join(", ", _credentials)}; check that they are valid for this server.";
            var origin = status == HttpStatusCode.Forbidden
                ? " ComfyUI itself also answers 403 to requests with a cross-site Origin or Sec-Fetch-Site header."
                : string.Empty;
            return new ComfyAuthenticationException($"{what} was refused with {code}. {configured}{origin}", status, method, uri, text);
        }

        if (status == HttpStatusCode.BadRequest && isPromptSubmission && TryReadPromptError(text) is { } rejected)
        {
            return new ComfyPromptValidationException(
                DescribeRejection(rejected.Error!, rejected.NodeErrors), status, method, uri, text, rejected.Error!, rejected.NodeErrors ?? ReadOnlyDictionary<string, NodeValidationError>.Empty);
        }

        var hint = status switch
        {
            // A base address with a path is the likelier mistake: ComfyUI serves every route at the root of its port.
            HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed when _basePath.Length > 1 =>
                $" (the base address {RedactedBaseAddress} has the path '{_basePath}': ComfyUI serves its routes at the root of its port, so unless a reverse proxy maps that prefix, drop the path; a server too old for the route answers the same)",
            HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed => " (on a route the server should have, this usually means the server is too old for it)",
            HttpStatusCode.RequestEntityTooLarge => " (the body exceeds the server's --max-upload-size)",
            _ => string.Empty,
        };
        var snippet = Snippet(text);
        return new ComfyApiException(
            $"{what} failed with {code}{hint}{(snippet.Length == 0 ? "." : ": " + snippet)}", status, method, uri, text);
    }

    private Exception FromTransport(Exception cause, string? method, Uri? requestUri, CancellationToken cancellationToken)
    {
        var what = method is null ? "A request" : Describe(method, requestUri is null ? null : Redact(requestUri));
        if (cancellationToken.IsCancellationRequested)
        {
            return cause as OperationCanceledException ?? new OperationCanceledException($"{what} was cancelled.", cause, cancellationToken);
        }

        if (cause is OperationCanceledException || Find<TimeoutException>(cause) is not null)
        {
            // HttpClient reports its own Timeout as a TaskCanceledException wrapping a TimeoutException.
            return new ComfyTimeoutException(
                "request",
                _requestTimeout,
                $"{what} got no answer within {_requestTimeout.TotalSeconds:0.###} s. Check that the server at {RedactedBaseAddress} is up, or raise ComfyClientOptions.RequestTimeout for slow routes.",
                Find<TimeoutException>(cause));
        }

        if (cause is HttpRequestException { StatusCode: { } status })
        {
            return FromStatus(status, null, method ?? string.Empty, requestUri, null, isPromptSubmission: false);
        }

        if (cause is HttpRequestException or IOException or SocketException)
        {
            var tls = Find<System.Security.Authentication.AuthenticationException>(cause) is not null;
            var plainHttp = tls && _isHttps
                ? $" The server may speak plain HTTP (ComfyUI does unless a proxy in front of it adds TLS): try {RedactedBaseAddress.Replace("https://", "http://", StringComparison.Ordinal)}."
                : string.Empty;
            return new ComfyConnectionException(
                $"Could not reach the ComfyUI server at {RedactedBaseAddress}: {Reason(cause)}{plainHttp}", cause as HttpRequestException);
        }

        return new ComfyException($"{what} failed: {Redact(cause.Message)}");
    }

    /// <summary>
    /// The causes along the inner-exception chain in one sentence. .NET's outer messages often only say "see inner
    /// exception" (a failed TLS handshake does), which tells a person reading a log nothing; the inner ones say why.
    /// </summary>
    private string Reason(Exception cause)
    {
        var parts = new List<string>();
        for (var e = cause; e is not null; e = e.InnerException)
        {
            var message = e.Message
                .Replace(", see inner exception", string.Empty, StringComparison.OrdinalIgnoreCase)
                .Replace("See the inner exception for details.", string.Empty, StringComparison.OrdinalIgnoreCase)
                .Trim().TrimEnd('.');
            if (message.Length > 0 && !parts.Exists(p => p.Contains(message, StringComparison.Ordinal)))
            {
                parts.Add(message);
            }
        }

        return Redact(parts.Count == 0 ? cause.GetType().Name : string.Join(": ", parts));
    }

    private static PromptErrorBody? TryReadPromptError(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            var parsed = JsonSerializer.Deserialize(body, ComfyRestJsonContext.Default.PromptErrorBody);
            return parsed?.Error is null ? null : parsed;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string DescribeRejection(PromptError error, IReadOnlyDictionary<string, NodeValidationError>? nodeErrors)
    {
        var message = new StringBuilder("The server rejected the prompt: ");
        message.Append(error.Message.Length == 0 ? "no reason given" : error.Message.TrimEnd('.'));
        if (error.Type.Length > 0)
        {
            message.Append(" (").Append(error.Type).Append(')');
        }

        if (nodeErrors is not { Count: > 0 })
        {
            if (error.Details.Length > 0 && error.Details != error.Message)
            {
                message.Append(": ").Append(OneLine(error.Details));
            }

            return message.Append('.').ToString();
        }

        message.Append('.');
        foreach (var node in nodeErrors.Values.Take(MaxNodesInMessage))
        {
            message.Append(" Node ").Append(node.NodeId);
            if (node.ClassType.Length > 0)
            {
                message.Append(" (").Append(node.ClassType).Append(')');
            }

            message.Append(": ").Append(string.Join("; ", node.Errors.Select(e => e.Details.Length == 0 ? e.Message : $"{e.Message}: {OneLine(e.Details)}"))).Append('.');
        }

        if (nodeErrors.Count > MaxNodesInMessage)
        {
            message.Append(" And ").Append(nodeErrors.Count - MaxNodesInMessage).Append(" more node(s); see NodeErrors.");
        }

        return message.ToString();
    }

    private static string Describe(string method, Uri? uri) =>
        uri is null ? method : $"{method} {(uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString)}";

    private static string Snippet(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return string.Empty;
        }

        var line = OneLine(text);
        return line.Length <= MaxSnippetChars ? line : line[..MaxSnippetChars] + "…";
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static T? Find<T>(Exception? exception)
        where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T match)
            {
                return match;
            }
        }

        return null;
    }

    private static Uri WithoutUserInfo(Uri uri) =>
        uri.IsAbsoluteUri && uri.UserInfo.Length > 0 ? new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri : uri;
}
