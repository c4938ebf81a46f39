namespace ComfyUI.Reactive.Workflows.Typed;

/// <summary>
/// The base of a generated typed graph builder: one method per node class of a server's <c>object_info</c>, with the
/// node's inputs as typed parameters. Underneath is an ordinary <see cref="WorkflowBuilder"/>, so <see cref="Build"/>
/// gives the same <see cref="Workflow"/> (same JSON, validation and runs) as the untyped API. Not thread-safe.
/// </summary>
public abstract class TypedGraph
{
    /// <summary>Creates an empty graph.</summary>
    /// <param name="schema">Node schemas for the builder (output names, display names); null needs none, since
    /// generated methods link outputs by index and pass their display names as titles.</param>
    protected TypedGraph(NodeSchemaCatalog? schema = null) => Builder = new WorkflowBuilder(schema);

    /// <summary>The untyped builder underneath, to add a node the generated methods do not know.</summary>
    public WorkflowBuilder Builder { get; }

    /// <summary>Checks the graph and produces the workflow (see <see cref="WorkflowBuilder.Build"/>).</summary>
    /// <returns>The workflow.</returns>
    /// <exception cref="ComfyWorkflowGraphException">A link points to a missing node or the links form a cycle.</exception>
    public Workflow Build() => Builder.Build();

    /// <summary>Adds a node to <see cref="Builder"/>; generated methods call it, then set the inputs.</summary>
    /// <param name="classType">The class type.</param>
    /// <param name="title">The title (<c>_meta.title</c>).</param>
    /// <param name="id">The node id; null for the next free number.</param>
    /// <returns>The untyped node.</returns>
    protected WorkflowNode AddNode(string classType, string? title, string? id) => Builder.AddNode(classType, title, id);

    /// <summary>
    /// Checks that an output is of a node of this graph; generated methods call it for every link input before they add
    /// their node, so a rejected call leaves the graph as it was.
    /// </summary>
    /// <param name="source">The output; null (an optional input left out) passes.</param>
    /// <param name="input">The input it is for, named in the error.</param>
    /// <exception cref="ArgumentException">The output is of a node of another graph. Node ids repeat across graphs, so
    /// the link would silently point at this graph's node of the same id.</exception>
    protected void EnsureOwnOutput(Output? source, string input)
    {
        if (source is not null && !Builder.Nodes.Contains(source.Node))
        {
            throw new ArgumentException(
                $"Input '{input}': output {source} is of node {source.Node} of another graph. Link outputs of this graph's nodes only.",
                nameof(source));
        }
    }
}
