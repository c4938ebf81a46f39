using System.Text.Json;

namespace ComfyUI.Reactive.Workflows.EditorFormat;

/// <summary>
/// One graph level: the root graph, a subgraph instance, or an expanded group node. Nodes inside get the frontend's
/// execution ids: the ids of the containing instances and the node's own id joined by <c>:</c> (e.g. <c>"12:3"</c>).
/// </summary>
internal sealed class GraphScope
{
    /// <summary>The origin id of links that enter a subgraph through its input node.</summary>
    public const string InputNodeId = "-10";

    public GraphScope(IReadOnlyList<EditorNode> nodes, IReadOnlyDictionary<int, EditorLink> links, GraphScope? parent, EditorNode? owner,
        IReadOnlyList<(string NodeId, int Slot)?> outputs)
    {
        Nodes = nodes;
        NodesById = new Dictionary<string, EditorNode>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            NodesById[node.Id] = node;
        }

        Links = links;
        Parent = parent;
        Owner = owner;
        Outputs = outputs;
        Prefix = parent is null || owner is null ? string.Empty : parent.Prefix + owner.Id + ":";
    }

    public IReadOnlyList<EditorNode> Nodes { get; }

    public Dictionary<string, EditorNode> NodesById { get; }

    public IReadOnlyDictionary<int, EditorLink> Links { get; }

    /// <summary>The scope holding <see cref="Owner"/>; null for the root graph.</summary>
    public GraphScope? Parent { get; }

    /// <summary>The subgraph instance or group node this scope expands; null for the root graph.</summary>
    public EditorNode? Owner { get; }

    /// <summary>Owner output slot → the inner node and slot that feeds it (null when nothing does).</summary>
    public IReadOnlyList<(string NodeId, int Slot)?> Outputs { get; }

    /// <summary>The execution id prefix of this scope's nodes.</summary>
    public string Prefix { get; }

    public string ExecutionId(EditorNode node) => Prefix + node.Id;

    public static Dictionary<int, EditorLink> ReadLinks(JsonElement? links)
    {
        var result = new Dictionary<int, EditorLink>();
        if (links is { ValueKind: JsonValueKind.Array } array)
        {
            foreach (var element in array.EnumerateArray())
            {
                if (element.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                var link = EditorNode.ReadLink(element);
                result[link.Id] = link;
            }
        }

        return result;
    }
}
