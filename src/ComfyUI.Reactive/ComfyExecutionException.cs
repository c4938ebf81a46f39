namespace ComfyUI.Reactive;

/// <summary>
/// A node raised while the server ran a job's prompt (<c>execution_error</c>, or the error recorded in its history).
/// Carries the server's own details: which node, its class, the Python exception type and message, and the traceback.
/// </summary>
public class ComfyExecutionException : ComfyException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public ComfyExecutionException()
        : this("A node failed while the ComfyUI server ran the prompt.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public ComfyExecutionException(string message)
        : this(message, null)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public ComfyExecutionException(string message, Exception? innerException)
        : base(message, innerException)
    {
        PromptId = string.Empty;
        ExceptionType = string.Empty;
        ExceptionMessage = string.Empty;
        Traceback = [];
    }

    /// <summary>Creates the exception from the server's error details.</summary>
    /// <param name="promptId">The prompt that failed.</param>
    /// <param name="nodeId">The submitted node id that raised, or null when the server did not say.</param>
    /// <param name="nodeType">That node's <c>class_type</c>, or null.</param>
    /// <param name="exceptionType">The Python exception type, e.g. <c>RuntimeError</c>.</param>
    /// <param name="exceptionMessage">The Python exception message.</param>
    /// <param name="traceback">The formatted Python stack frames.</param>
    public ComfyExecutionException(
        string promptId, string? nodeId, string? nodeType, string exceptionType, string exceptionMessage, IReadOnlyList<string> traceback)
        : base(Describe(promptId, nodeId, nodeType, exceptionType, exceptionMessage))
    {
        PromptId = promptId ?? string.Empty;
        NodeId = nodeId;
        NodeType = nodeType;
        ExceptionType = exceptionType ?? string.Empty;
        ExceptionMessage = exceptionMessage ?? string.Empty;
        Traceback = traceback ?? [];
    }

    /// <summary>The prompt that failed.</summary>
    public string PromptId { get; }

    /// <summary>The submitted node id that raised, or null when unknown.</summary>
    public string? NodeId { get; }

    /// <summary>The failing node's <c>class_type</c>, or null when unknown.</summary>
    public string? NodeType { get; }

    /// <summary>The Python exception type, e.g. <c>RuntimeError</c> or <c>torch.OutOfMemoryError</c>.</summary>
    public string ExceptionType { get; }

    /// <summary>The Python exception message as the server sent it.</summary>
    public string ExceptionMessage { get; }

    /// <summary>The formatted Python stack frames (empty when the server sent none).</summary>
    public IReadOnlyList<string> Traceback { get; }

    private static string Describe(string promptId, string? nodeId, string? nodeType, string exceptionType, string exceptionMessage)
    {
        var node = nodeId is null ? "a node" : nodeType is null ? $"node {nodeId}" : $"node {nodeId} ({nodeType})";
        var type = string.IsNullOrEmpty(exceptionType) ? "an error" : exceptionType;
        return $"Prompt {promptId} failed: {node} raised {type}: {exceptionMessage.Trim()}";
    }
}
