using System.Net;

namespace ComfyUI.Reactive;

/// <summary>
/// The server (or, more often, a reverse proxy or gateway in front of it) refused a call with 401 or 403.
/// ComfyUI itself has no authentication, but it does answer 403 to cross-site requests; the message says which
/// credentials were configured (redacted) so the fix is clear.
/// </summary>
public class ComfyAuthenticationException : ComfyApiException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public ComfyAuthenticationException()
        : this("The ComfyUI server refused the credentials.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What was refused.</param>
    public ComfyAuthenticationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    /// <param name="message">What was refused.</param>
    /// <param name="innerException">The cause.</param>
    public ComfyAuthenticationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for one refused call.</summary>
    /// <param name="message">What was refused and which credential kinds were configured (redacted).</param>
    /// <param name="statusCode">401 or 403.</param>
    /// <param name="method">The HTTP method.</param>
    /// <param name="requestUri">The request URI with credentials redacted, or null.</param>
    /// <param name="responseBody">The response body as text, or null.</param>
    public ComfyAuthenticationException(string message, HttpStatusCode statusCode, string method, Uri? requestUri, string? responseBody)
        : base(message, statusCode, method, requestUri, responseBody)
    {
    }

    /// <summary>Always false: the same credentials are refused again.</summary>
    public override bool IsTransient => false;
}
