namespace ComfyUI.Reactive.Workflows;

/// <summary>What stops an editor (UI) format workflow from converting to the API format.</summary>
public enum WorkflowConversionProblem
{
    /// <summary>The JSON is not a well-formed editor workflow (a node without id, a malformed link, ...).</summary>
    InvalidFormat,

    /// <summary>A node's type is neither in the server's schemas nor a frontend-only node, so the server could not run it.</summary>
    UnknownNodeType,

    /// <summary>A node holds more or fewer widget values than its schema has widgets: the file was saved against another
    /// version of the node (or a custom node whose frontend code adds widgets), so values cannot be matched to inputs.</summary>
    WidgetCountMismatch,

    /// <summary>An input refers to a link, or a link to a node, that is not in the graph.</summary>
    DanglingLink,

    /// <summary>Links through Reroutes, bypassed nodes or subgraphs loop back on themselves.</summary>
    LinkCycle,

    /// <summary>A group node or subgraph instance refers to a definition the file does not contain.</summary>
    MissingDefinition,
}

/// <summary>
/// An editor (UI "Save") format workflow could not be converted to the API format the server runs.
/// <see cref="ComfyWorkflowException.NodeId"/> names the node (for nodes inside group nodes and subgraphs, the
/// frontend's execution id such as <c>"12:3"</c>) and <see cref="Problem"/> says what is wrong.
/// </summary>
public class ComfyWorkflowConversionException : ComfyWorkflowFormatException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public ComfyWorkflowConversionException()
        : this("The editor workflow cannot be converted to the API format.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong, naming the node.</param>
    public ComfyWorkflowConversionException(string message)
        : this(message, null)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    /// <param name="message">What is wrong, naming the node.</param>
    /// <param name="innerException">The cause.</param>
    public ComfyWorkflowConversionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for one problem at one node.</summary>
    /// <param name="message">What is wrong, naming the node.</param>
    /// <param name="problem">The kind of problem.</param>
    /// <param name="nodeId">The node at fault, or null when the problem is not about one node.</param>
    public ComfyWorkflowConversionException(string message, WorkflowConversionProblem problem, string? nodeId)
        : base(message, isEditorFormat: true, nodeId)
    {
        Problem = problem;
    }

    /// <summary>The kind of problem.</summary>
    public WorkflowConversionProblem Problem { get; }
}
