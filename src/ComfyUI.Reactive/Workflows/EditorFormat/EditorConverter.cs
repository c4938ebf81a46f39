using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Workflows.EditorFormat;

/// <summary>
/// Converts the editor (UI "Save") format to the API format as ComfyUI_frontend's <c>graphToPrompt</c> does
/// (<c>src/utils/executionUtil.ts</c>): PrimitiveNodes write their value into the widgets they feed, every node that is
/// not frontend-only, muted (mode 2) or bypassed (mode 4) becomes <c>{inputs, class_type, _meta.title}</c> with its
/// serialised widget values then its resolved links, group nodes and subgraphs are flattened into <c>outer:inner</c>
/// ids, and inputs linked to nodes that were left out are removed.
/// </summary>
internal sealed class EditorConverter
{
    /// <summary>The frontend's own virtual nodes: they shape the graph in the editor but are never sent.</summary>
    private static readonly HashSet<string> FrontendOnly = new(StringComparer.Ordinal) { "Reroute", "PrimitiveNode", "Note", "MarkdownNote" };

    private readonly NodeSchemaCatalog _catalog;
    private readonly Random _random;
    private readonly ContainerDefinitions _containers;
    private readonly LinkResolver _resolver;
    private readonly Dictionary<EditorNode, GraphScope> _expanded = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<EditorNode, Dictionary<string, JsonElement>> _primitiveValues = new(ReferenceEqualityComparer.Instance);

    private EditorConverter(JsonElement root, NodeSchemaCatalog catalog, Random random)
    {
        _catalog = catalog;
        _random = random;
        _containers = new ContainerDefinitions(root);
        _resolver = new LinkResolver(_containers, Expand, type => FrontendOnly.Contains(type) && !catalog.Contains(type));
    }

    /// <summary>Converts an editor-format root object to an API-format prompt object.</summary>
    public static JsonObject Convert(JsonElement root, NodeSchemaCatalog catalog, Random random)
    {
        try
        {
            var nodes = root.GetProperty("nodes").EnumerateArray().Select(n => EditorNode.Read(n)).ToList();
            var links = GraphScope.ReadLinks(root.GetProperty("links"));
            return new EditorConverter(root, catalog, random).Run(new GraphScope(nodes, links, null, null, []));
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or KeyNotFoundException or IndexOutOfRangeException)
        {
            throw new ComfyWorkflowConversionException($"The editor workflow is malformed: {ex.Message}", ex);
        }
    }

    private JsonObject Run(GraphScope root)
    {
        var emitted = new List<(string Id, JsonObject Node)>();
        ApplyPrimitives(root);
        Emit(root, emitted);
        var ids = emitted.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var (_, node) in emitted)
        {
            var inputs = (JsonObject)node["inputs"]!;
            foreach (var (name, value) in inputs.ToList())
            {
                if (value is JsonArray { Count: 2 } link && link[0]?.GetValueKind() == JsonValueKind.String && !ids.Contains(link[0]!.GetValue<string>()))
                {
                    inputs.Remove(name);
                }
            }
        }

        // A JS object lists integer-like keys first, ascending, then the others in insertion order; so does the export.
        var ordered = emitted.Where(e => IsArrayIndex(e.Id)).OrderBy(e => long.Parse(e.Id, CultureInfo.InvariantCulture))
            .Concat(emitted.Where(e => !IsArrayIndex(e.Id)));
        var result = new JsonObject();
        foreach (var (id, node) in ordered)
        {
            result[id] = node;
        }

        return result;
    }

    private void Emit(GraphScope scope, List<(string, JsonObject)> emitted)
    {
        foreach (var node in ExecutionOrder(scope))
        {
            if (node.Mode is 2 or 4)
            {
                continue;
            }

            if (_containers.IsContainer(node))
            {
                var inner = Expand(scope, node);
                ApplyPrimitives(inner);
                Emit(inner, emitted);
                continue;
            }

            if (FrontendOnly.Contains(node.Type) && !_catalog.Contains(node.Type))
            {
                continue;
            }

            var id = scope.ExecutionId(node);
            if (!_catalog.TryGetNode(node.Type, out var schema))
            {
                throw new ComfyWorkflowConversionException(
                    $"Node {id}{Titled(node)} is of type '{node.Type}', which the server does not have (a custom node that is not installed?) " +
                    "and which is not a frontend-only node.", WorkflowConversionProblem.UnknownNodeType, id);
            }

            emitted.Add((id, ConvertNode(scope, node, schema, id)));
        }
    }

    private JsonObject ConvertNode(GraphScope scope, EditorNode node, NodeInfo schema, string id)
    {
        var inputs = new JsonObject();
        var slots = WidgetLayout.For(schema);
        var values = node.WidgetsValues;
        // Fewer values than widgets: the node gained inputs since the file was saved, and the frontend keeps the new
        // widgets' defaults. More values cannot be matched to inputs safely, so they are an error here.
        if (values is { ValueKind: JsonValueKind.Array } array && array.GetArrayLength() > slots.Count)
        {
            throw new ComfyWorkflowConversionException(
                $"Node {id}{Titled(node)} ({node.Type}) has {array.GetArrayLength()} widget values but its schema has {slots.Count} widgets " +
                $"({string.Join(", ", slots.Select(s => s.Name))}); the file was saved with another version of this node.",
                WorkflowConversionProblem.WidgetCountMismatch, id);
        }

        _primitiveValues.TryGetValue(node, out var fromPrimitives);
        for (var i = 0; i < slots.Count; i++)
        {
            var slot = slots[i];
            JsonElement? value = fromPrimitives is not null && fromPrimitives.TryGetValue(slot.Name, out var p) ? p
                : values is { ValueKind: JsonValueKind.Array } a && i < a.GetArrayLength() ? a[i]
                : values is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(slot.Name, out var named) ? named
                : slot.Default;
            if (slot.Serialized && value is { } v)
            {
                inputs[slot.Name] = WidgetValue(v, slot);
            }
        }

        for (var i = 0; i < node.Inputs.Count; i++)
        {
            if (_resolver.ResolveInput(scope, node, i, null, new HashSet<string>(StringComparer.Ordinal)) is not { } resolved)
            {
                continue;
            }

            inputs[node.Inputs[i].Name] = resolved.OriginId is { } origin
                ? new JsonArray(origin, resolved.Slot)
                : resolved.WidgetValue is JsonArray list ? new JsonObject { ["__value__"] = list } : resolved.WidgetValue;
        }

        return new JsonObject
        {
            ["inputs"] = inputs,
            ["class_type"] = node.Type,
            ["_meta"] = new JsonObject { ["title"] = node.Title ?? schema.DisplayName ?? node.Type },
        };
    }

    private JsonNode? WidgetValue(JsonElement value, WidgetSlot slot)
    {
        if (slot.DynamicPrompts && value.ValueKind == JsonValueKind.String)
        {
            return DynamicPrompt.Process(value.GetString()!, _random);
        }

        var node = JsonNode.Parse(value.GetRawText());
        // Arrays mean links in the API format, so the frontend boxes array values.
        return node is JsonArray ? new JsonObject { ["__value__"] = node } : node;
    }

    /// <summary>PrimitiveNode.applyToGraph: its value replaces the widget of every node its output feeds (through Reroutes).</summary>
    private void ApplyPrimitives(GraphScope scope)
    {
        foreach (var primitive in scope.Nodes.Where(n => n.Type == "PrimitiveNode" && !_catalog.Contains(n.Type)))
        {
            if (primitive.WidgetsValues is not { ValueKind: JsonValueKind.Array } values || values.GetArrayLength() == 0 || primitive.OutputLinks.Count == 0)
            {
                continue;
            }

            Push(scope, primitive.OutputLinks[0], values[0], 0);
        }
    }

    private void Push(GraphScope scope, IEnumerable<int> linkIds, JsonElement value, int depth)
    {
        foreach (var linkId in linkIds)
        {
            if (depth > 64 || !scope.Links.TryGetValue(linkId, out var link) || !scope.NodesById.TryGetValue(link.TargetId, out var target))
            {
                continue;
            }

            if (target.Type == "Reroute" && target.OutputLinks.Count > 0)
            {
                Push(scope, target.OutputLinks[0], value, depth + 1);
                continue;
            }

            if (link.TargetSlot < target.Inputs.Count)
            {
                var input = target.Inputs[link.TargetSlot];
                if (!_primitiveValues.TryGetValue(target, out var map))
                {
                    _primitiveValues[target] = map = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                }

                map[input.WidgetName ?? input.Name] = value;
            }
        }
    }

    private GraphScope Expand(GraphScope scope, EditorNode owner)
    {
        if (!_expanded.TryGetValue(owner, out var inner))
        {
            inner = _containers.Expand(scope, owner);
            if (_containers.IsGroupNode(owner))
            {
                GroupWidgets.Distribute(owner, inner, _catalog, scope.ExecutionId(owner));
            }

            _expanded[owner] = inner;
        }

        return inner;
    }

    /// <summary>Producers before consumers (litegraph's computeExecutionOrder), ties in file order.</summary>
    private static List<EditorNode> ExecutionOrder(GraphScope scope)
    {
        var indegree = new Dictionary<EditorNode, int>(ReferenceEqualityComparer.Instance);
        var consumers = new Dictionary<EditorNode, List<EditorNode>>(ReferenceEqualityComparer.Instance);
        foreach (var node in scope.Nodes)
        {
            indegree[node] = 0;
            consumers[node] = [];
        }

        foreach (var node in scope.Nodes)
        {
            foreach (var input in node.Inputs)
            {
                if (input.Link is { } l && scope.Links.TryGetValue(l, out var link) && scope.NodesById.TryGetValue(link.OriginId, out var origin))
                {
                    indegree[node]++;
                    consumers[origin].Add(node);
                }
            }
        }

        var order = new List<EditorNode>();
        var ready = new Queue<EditorNode>(scope.Nodes.Where(n => indegree[n] == 0));
        while (ready.Count > 0)
        {
            var node = ready.Dequeue();
            order.Add(node);
            foreach (var consumer in consumers[node])
            {
                if (--indegree[consumer] == 0)
                {
                    ready.Enqueue(consumer);
                }
            }
        }

        // Nodes on a cycle keep file order; link resolution reports the cycle if it matters.
        order.AddRange(scope.Nodes.Where(n => !order.Contains(n)));
        return order;
    }

    private static bool IsArrayIndex(string id) =>
        id.Length > 0 && (id == "0" || id[0] != '0') && id.All(char.IsAsciiDigit) && id.Length <= 10 &&
        long.Parse(id, CultureInfo.InvariantCulture) < uint.MaxValue;

    private static string Titled(EditorNode node) => node.Title is null ? string.Empty : $" '{node.Title}'";
}
