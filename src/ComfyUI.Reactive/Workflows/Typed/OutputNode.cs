namespace ComfyUI.Reactive.Workflows.Typed;

/// <summary>
/// A node the server marks as an output node (<c>output_node</c>: SaveImage, PreviewImage, ...): what it produced is
/// in the job's result, read with <see cref="Jobs.TypedJobResults.Of(Jobs.JobResult, OutputNode)"/>.
/// </summary>
public abstract class OutputNode : TypedNode
{
    /// <summary>Wraps a node of the graph's builder.</summary>
    /// <param name="node">The untyped node.</param>
    protected OutputNode(WorkflowNode node)
        : base(node)
    {
    }
}
