using System.Text.Json;

namespace ComfyUI.Reactive.Workflows.EditorFormat;

/// <summary>
/// The definitions an editor file carries for nodes that contain other nodes: subgraphs (<c>definitions.subgraphs</c>,
/// instances have the subgraph's id as their type) and legacy group nodes (<c>extra.groupNodes</c>, instances have type
/// <c>workflow&gt;Name</c>, older files <c>workflow/Name</c>). Expands an instance into a <see cref="GraphScope"/>.
/// </summary>
internal sealed class ContainerDefinitions
{
    private readonly Dictionary<string, JsonElement> _subgraphs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonElement> _groupNodes = new(StringComparer.Ordinal);

    public ContainerDefinitions(JsonElement root)
    {
        if (root.TryGetProperty("definitions", out var definitions) && definitions.ValueKind == JsonValueKind.Object &&
            definitions.TryGetProperty("subgraphs", out var subgraphs) && subgraphs.ValueKind == JsonValueKind.Array)
        {
            foreach (var subgraph in subgraphs.EnumerateArray())
            {
                if (subgraph.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
                {
                    _subgraphs[id.GetString()!] = subgraph;
                }
            }
        }

        if (root.TryGetProperty("extra", out var extra) && extra.ValueKind == JsonValueKind.Object &&
            extra.TryGetProperty("groupNodes", out var groups) && groups.ValueKind == JsonValueKind.Object)
        {
            foreach (var group in groups.EnumerateObject())
            {
                _groupNodes[group.Name] = group.Value;
            }
        }
    }

    public static string? GroupName(string type) =>
        type.StartsWith("workflow>", StringComparison.Ordinal) || type.StartsWith("workflow/", StringComparison.Ordinal) ? type[9..] : null;

    public bool IsContainer(EditorNode node) => _subgraphs.ContainsKey(node.Type) || GroupName(node.Type) is not null;

    public bool IsGroupNode(EditorNode node) => GroupName(node.Type) is not null && !_subgraphs.ContainsKey(node.Type);

    public GraphScope Expand(GraphScope parent, EditorNode owner)
    {
        if (_subgraphs.TryGetValue(owner.Type, out var subgraph))
        {
            return ExpandSubgraph(parent, owner, subgraph);
        }

        var name = GroupName(owner.Type)!;
        return _groupNodes.TryGetValue(name, out var group)
            ? ExpandGroupNode(parent, owner, group)
            : throw new ComfyWorkflowConversionException(
                $"Node {parent.ExecutionId(owner)} is the group node '{name}', but the file's extra.groupNodes has no such definition.",
                WorkflowConversionProblem.MissingDefinition, parent.ExecutionId(owner));
    }

    private static GraphScope ExpandSubgraph(GraphScope parent, EditorNode owner, JsonElement subgraph)
    {
        var nodes = subgraph.TryGetProperty("nodes", out var n) && n.ValueKind == JsonValueKind.Array
            ? n.EnumerateArray().Select(x => EditorNode.Read(x)).ToList()
            : [];
        var links = GraphScope.ReadLinks(subgraph.TryGetProperty("links", out var l) ? l : null);
        var outputs = new List<(string, int)?>();
        if (subgraph.TryGetProperty("outputs", out var outs) && outs.ValueKind == JsonValueKind.Array)
        {
            foreach (var output in outs.EnumerateArray())
            {
                // An output node slot takes one link; the first recorded is the live one.
                var linkId = output.TryGetProperty("linkIds", out var ids) && ids.ValueKind == JsonValueKind.Array && ids.GetArrayLength() > 0
                    ? ids[0].GetInt32()
                    : (int?)null;
                outputs.Add(linkId is { } id && links.TryGetValue(id, out var link) ? (link.OriginId, link.OriginSlot) : null);
            }
        }

        return new GraphScope(nodes, links, parent, owner, outputs);
    }

    private static GraphScope ExpandGroupNode(GraphScope parent, EditorNode owner, JsonElement group)
    {
        var raw = group.TryGetProperty("nodes", out var n) && n.ValueKind == JsonValueKind.Array ? n.EnumerateArray().ToList() : [];
        var inner = raw.Select((x, i) => EditorNode.Read(x, x.TryGetProperty("index", out var ix) ? EditorNode.IdText(ix) : i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();

        // Group links are [srcIndex, srcSlot, tgtIndex, tgtSlot, ...]; a null source means "from outside the group".
        var internalLinks = new List<(string Src, int SrcSlot, string Tgt, int TgtSlot)>();
        var external = new HashSet<(string, int)>();
        if (group.TryGetProperty("links", out var gl) && gl.ValueKind == JsonValueKind.Array)
        {
            foreach (var link in gl.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Array && x.GetArrayLength() >= 4))
            {
                var target = (EditorNode.IdText(link[2]), link[3].GetInt32());
                if (link[0].ValueKind == JsonValueKind.Null)
                {
                    external.Add(target);
                }
                else
                {
                    internalLinks.Add((EditorNode.IdText(link[0]), link[1].GetInt32(), target.Item1, target.Item2));
                }
            }
        }

        var links = new Dictionary<int, EditorLink>();
        var nextLink = 1;
        var boundary = 0;
        var nodes = new List<EditorNode>();
        foreach (var node in inner)
        {
            var inputs = new List<EditorInput>();
            for (var slot = 0; slot < node.Inputs.Count; slot++)
            {
                var input = node.Inputs[slot];
                var feed = internalLinks.FindIndex(x => x.Tgt == node.Id && x.TgtSlot == slot);
                int? linkId = null;
                if (feed >= 0)
                {
                    var (src, srcSlot, _, _) = internalLinks[feed];
                    links[nextLink] = new EditorLink(nextLink, src, srcSlot, node.Id, slot, input.Type);
                    linkId = nextLink++;
                }
                else if (external.Contains((node.Id, slot)) || input.WidgetName is null)
                {
                    // The group node's own inputs are its inner nodes' open sockets, in inner-node order.
                    links[nextLink] = new EditorLink(nextLink, GraphScope.InputNodeId, boundary++, node.Id, slot, input.Type);
                    linkId = nextLink++;
                }

                inputs.Add(input with { Link = linkId });
            }

            nodes.Add(new EditorNode
            {
                Id = node.Id, Type = node.Type, Mode = node.Mode, Title = node.Title, Inputs = inputs,
                OutputTypes = node.OutputTypes, OutputLinks = node.OutputLinks, WidgetsValues = node.WidgetsValues,
            });
        }

        // Its outputs are the inner outputs linked nowhere inside, in inner-node order (Reroutes do not count).
        var outputs = new List<(string, int)?>();
        foreach (var node in nodes.Where(x => x.Type != "Reroute"))
        {
            for (var slot = 0; slot < node.OutputTypes.Count; slot++)
            {
                if (!internalLinks.Any(x => x.Src == node.Id && x.SrcSlot == slot))
                {
                    outputs.Add((node.Id, slot));
                }
            }
        }

        return new GraphScope(nodes, links, parent, owner, outputs);
    }
}
