namespace ComfyUI.Reactive.Workflows.Typed;

/// <summary>
/// A node added through a generated <see cref="TypedGraph"/> method: its outputs as typed properties (generated), and
/// the untyped <see cref="Node"/> underneath for anything the schema could not type (e.g. linking a widget input).
/// </summary>
public abstract class TypedNode
{
    /// <summary>Wraps a node of the graph's builder.</summary>
    /// <param name="node">The untyped node.</param>
    protected TypedNode(WorkflowNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        Node = node;
    }

    /// <summary>The untyped node, e.g. to <see cref="WorkflowNode.Connect(string, OutputSlot)"/> an input by name.</summary>
    public WorkflowNode Node { get; }

    /// <summary>The node id in the built workflow.</summary>
    public string Id => Node.Id;

    /// <summary>This node's output at <paramref name="index"/>, typed.</summary>
    /// <typeparam name="T">The output's type marker.</typeparam>
    /// <param name="index">The slot, from 0.</param>
    /// <returns>The output.</returns>
    protected Output<T> OutputAt<T>(int index)
        where T : IComfyType => new(Node, index);

    /// <summary>Returns <c>id (class)</c>.</summary>
    public override string ToString() => Node.ToString();
}
