namespace ComfyUI.Reactive.Workflows;

/// <summary>
/// One output of a node in a <see cref="WorkflowBuilder"/>, by slot index or by name (the output's name from
/// <c>/object_info</c>, e.g. <c>CLIP</c>, resolved when the workflow is built).
/// </summary>
public readonly record struct OutputSlot
{
    /// <summary>An output by slot index.</summary>
    /// <param name="nodeId">The source node's id.</param>
    /// <param name="index">The output slot, from 0.</param>
    public OutputSlot(string nodeId, int index)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        NodeId = nodeId;
        Index = index;
    }

    /// <summary>An output by name, resolved against the schema at build time.</summary>
    /// <param name="nodeId">The source node's id.</param>
    /// <param name="name">The output name (<c>output_name</c>) or, when unique, its type (<c>output</c>).</param>
    public OutputSlot(string nodeId, string name)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        ArgumentNullException.ThrowIfNull(name);
        NodeId = nodeId;
        Name = name;
    }

    /// <summary>The source node's id.</summary>
    public string NodeId { get; }

    /// <summary>The slot index, or null when the output is named.</summary>
    public int? Index { get; }

    /// <summary>The output name, or null when the output is by index.</summary>
    public string? Name { get; }

    /// <summary>Returns <c>id[index]</c> or <c>id.name</c>.</summary>
    public override string ToString() => Name is null ? $"{NodeId}[{Index}]" : $"{NodeId}.{Name}";
}
