namespace ComfyUI.Reactive.Workflows.Typed;

/// <summary>
/// One output of a node in a <see cref="TypedGraph"/>. Inputs that accept any type (<c>*</c>) or several types take
/// this base class, so any output fits them; inputs of one type take <see cref="Output{T}"/>, so a mismatch is a
/// compile error.
/// </summary>
public class Output
{
    private protected Output(WorkflowNode node, int index, string typeName)
    {
        Node = node;
        Index = index;
        TypeName = typeName;
    }

    /// <summary>The id of the node that produces it.</summary>
    public string NodeId => Node.Id;

    /// <summary>The output slot, from 0.</summary>
    public int Index { get; }

    /// <summary>The ComfyUI type name, e.g. <c>MODEL</c>.</summary>
    public string TypeName { get; }

    /// <summary>The same output for the untyped <see cref="WorkflowNode.Connect(string, OutputSlot)"/>.</summary>
    public OutputSlot Slot => new(NodeId, Index);

    /// <summary>The node that produces it: a graph links only its own nodes' outputs.</summary>
    internal WorkflowNode Node { get; }

    /// <summary>Returns <c>id[index] (TYPE)</c>.</summary>
    public override string ToString() => $"{NodeId}[{Index}] ({TypeName})";
}

/// <summary>An output of ComfyUI type <typeparamref name="T"/> (e.g. <c>Output&lt;Model&gt;</c>).</summary>
/// <typeparam name="T">The type marker the generator emitted for the ComfyUI type name.</typeparam>
public sealed class Output<T> : Output
    where T : IComfyType
{
    internal Output(WorkflowNode node, int index)
        : base(node, index, T.TypeName)
    {
    }
}
