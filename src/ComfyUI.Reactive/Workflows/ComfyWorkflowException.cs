namespace ComfyUI.Reactive.Workflows;

/// <summary>
/// A workflow could not be read, edited or built as asked: a node that does not exist, a title or class that matches
/// several nodes when one was expected, a graph with a cycle or a dangling link. Thrown before anything is sent.
/// </summary>
public class ComfyWorkflowException : ComfyException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public ComfyWorkflowException()
        : this("The workflow is not usable as asked.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong, naming the node.</param>
    public ComfyWorkflowException(string message)
        : this(message, (Exception?)null)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    /// <param name="message">What is wrong, naming the node.</param>
    /// <param name="innerException">The cause.</param>
    public ComfyWorkflowException(string message, Exception? innerException)
        : base(message, innerException)
    {
        CandidateNodeIds = [];
    }

    /// <summary>Creates the exception about one node.</summary>
    /// <param name="message">What is wrong, naming the node.</param>
    /// <param name="nodeId">The node the problem is about.</param>
    /// <param name="candidateNodeIds">For ambiguous matches: every node that matched.</param>
    public ComfyWorkflowException(string message, string? nodeId, IReadOnlyList<string>? candidateNodeIds = null)
        : base(message)
    {
        NodeId = nodeId;
        CandidateNodeIds = candidateNodeIds ?? [];
    }

    /// <summary>The node the problem is about, or null when it is about the whole workflow or no node was found.</summary>
    public string? NodeId { get; }

    /// <summary>When a title or class matched several nodes but one was expected: their ids, in workflow order; otherwise empty.</summary>
    public IReadOnlyList<string> CandidateNodeIds { get; }
}
