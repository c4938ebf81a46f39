namespace ComfyUI.Reactive;

/// <summary>
/// A job's prompt was interrupted on the server (<c>execution_interrupted</c>), by this client or by anyone else
/// (another app, the web UI, a global <c>POST /interrupt</c>).
/// </summary>
public class ComfyInterruptedException : ComfyException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public ComfyInterruptedException()
        : this("The prompt was interrupted on the ComfyUI server.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What was interrupted.</param>
    public ComfyInterruptedException(string message)
        : this(message, null)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    /// <param name="message">What was interrupted.</param>
    /// <param name="innerException">The cause.</param>
    public ComfyInterruptedException(string message, Exception? innerException)
        : base(message, innerException)
    {
        PromptId = string.Empty;
    }

    /// <summary>Creates the exception for an interrupted prompt.</summary>
    /// <param name="promptId">The interrupted prompt.</param>
    /// <param name="nodeId">The node running when the interrupt was observed, or null.</param>
    /// <param name="nodeType">That node's <c>class_type</c>, or null.</param>
    public ComfyInterruptedException(string promptId, string? nodeId, string? nodeType)
        : base(nodeId is null
            ? $"Prompt {promptId} was interrupted on the server."
            : $"Prompt {promptId} was interrupted on the server while node {nodeId} ({nodeType ?? "unknown type"}) was running.")
    {
        PromptId = promptId ?? string.Empty;
        NodeId = nodeId;
        NodeType = nodeType;
    }

    /// <summary>The interrupted prompt.</summary>
    public string PromptId { get; }

    /// <summary>The node running when the interrupt was observed, or null.</summary>
    public string? NodeId { get; }

    /// <summary>That node's <c>class_type</c>, or null.</summary>
    public string? NodeType { get; }
}
