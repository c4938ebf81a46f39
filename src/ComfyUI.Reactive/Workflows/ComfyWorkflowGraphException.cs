namespace ComfyUI.Reactive.Workflows;

/// <summary>What is wrong with a graph a <see cref="WorkflowBuilder"/> was asked to build.</summary>
public enum WorkflowGraphProblem
{
    /// <summary>Links form a cycle; the server can never run it.</summary>
    Cycle,

    /// <summary>An input links to a node that is not in the graph.</summary>
    DanglingLink,

    /// <summary>An input links to an output the source node does not have (index out of range or unknown name).</summary>
    UnknownOutput,

    /// <summary>Two nodes were given the same id.</summary>
    DuplicateNodeId,
}

/// <summary>
/// A graph built in code is not a valid graph (<see cref="Problem"/>); <see cref="ComfyWorkflowException.NodeId"/>
/// names the node whose input is at fault (for a cycle: the first node of <see cref="CycleNodeIds"/>).
/// </summary>
public class ComfyWorkflowGraphException : ComfyWorkflowException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public ComfyWorkflowGraphException()
        : this("The workflow graph is not valid.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong, naming the node.</param>
    public ComfyWorkflowGraphException(string message)
        : this(message, null)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    /// <param name="message">What is wrong, naming the node.</param>
    /// <param name="innerException">The cause.</param>
    public ComfyWorkflowGraphException(string message, Exception? innerException)
        : base(message, innerException)
    {
        CycleNodeIds = [];
    }

    /// <summary>Creates the exception for one problem at one node.</summary>
    /// <param name="message">What is wrong, naming the node.</param>
    /// <param name="problem">The kind of problem.</param>
    /// <param name="nodeId">The node at fault.</param>
    /// <param name="inputName">The input at fault, or null.</param>
    /// <param name="cycleNodeIds">For <see cref="WorkflowGraphProblem.Cycle"/>: the nodes of the cycle in link order.</param>
    public ComfyWorkflowGraphException(string message, WorkflowGraphProblem problem, string nodeId, string? inputName, IReadOnlyList<string>? cycleNodeIds = null)
        : base(message, nodeId)
    {
        Problem = problem;
        InputName = inputName;
        CycleNodeIds = cycleNodeIds ?? [];
    }

    /// <summary>The kind of problem.</summary>
    public WorkflowGraphProblem Problem { get; }

    /// <summary>The input at fault, or null when the problem is not about one input.</summary>
    public string? InputName { get; }

    /// <summary>For a cycle: the node ids along it, in link order (source before consumer); otherwise empty.</summary>
    public IReadOnlyList<string> CycleNodeIds { get; }
}
