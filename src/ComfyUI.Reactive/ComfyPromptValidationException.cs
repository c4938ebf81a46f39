using System.Collections.ObjectModel;
using System.Net;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive;

/// <summary>
/// The server rejected a prompt (HTTP 400 from <c>POST /prompt</c>): nothing was queued. <see cref="Error"/> is the
/// prompt-level reason (<c>prompt_outputs_failed_validation</c>, <c>prompt_no_outputs</c>, <c>missing_node_type</c>,
/// <c>invalid_prompt_id</c>, <c>no_prompt</c>, ...) and <see cref="NodeErrors"/> lists every node with errors of its own.
/// </summary>
public class ComfyPromptValidationException : ComfyApiException
{
    private static readonly IReadOnlyDictionary<string, NodeValidationError> NoNodeErrors = ReadOnlyDictionary<string, NodeValidationError>.Empty;

    /// <summary>Creates the exception with a generic message.</summary>
    public ComfyPromptValidationException()
        : this("The ComfyUI server rejected the prompt.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">Why the prompt was rejected.</param>
    public ComfyPromptValidationException(string message)
        : this(message, null)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    /// <param name="message">Why the prompt was rejected.</param>
    /// <param name="innerException">The cause.</param>
    public ComfyPromptValidationException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Error = new PromptError { Message = message };
        NodeErrors = NoNodeErrors;
    }

    /// <summary>Creates the exception from the server's 400 answer.</summary>
    /// <param name="message">A summary naming the error type and the failing nodes.</param>
    /// <param name="statusCode">The HTTP status (400).</param>
    /// <param name="method">The HTTP method (<c>POST</c>).</param>
    /// <param name="requestUri">The request URI with credentials redacted, or null.</param>
    /// <param name="responseBody">The response body as text.</param>
    /// <param name="error">The prompt-level error.</param>
    /// <param name="nodeErrors">The per-node errors by node id (empty for prompt-level failures).</param>
    public ComfyPromptValidationException(
        string message,
        HttpStatusCode statusCode,
        string method,
        Uri? requestUri,
        string? responseBody,
        PromptError error,
        IReadOnlyDictionary<string, NodeValidationError> nodeErrors)
        : base(message, statusCode, method, requestUri, responseBody)
    {
        ArgumentNullException.ThrowIfNull(error);
        Error = error;
        NodeErrors = nodeErrors ?? NoNodeErrors;
    }

    /// <summary>The prompt-level error (<c>error</c>); <see cref="PromptError.Type"/> says what kind.</summary>
    public PromptError Error { get; }

    /// <summary>Every node with validation errors of its own, by node id (<c>node_errors</c>).</summary>
    public IReadOnlyDictionary<string, NodeValidationError> NodeErrors { get; }

    /// <summary>Always false: the same workflow is rejected the same way again (fix the workflow or install what it needs).</summary>
    public override bool IsTransient => false;
}
