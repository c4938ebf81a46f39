using System.Text.Json.Nodes;

namespace ComfyUI.Reactive.Workflows.EditorFormat;

/// <summary>Where an input's data comes from after Reroutes, bypassed nodes and subgraph boundaries are followed.</summary>
/// <param name="OriginId">The execution id of the producing node (null for a widget value).</param>
/// <param name="Slot">The producing node's output slot.</param>
/// <param name="WidgetValue">For an unconnected subgraph input shown as a widget on the instance: its value.</param>
internal readonly record struct ResolvedInput(string? OriginId, int Slot, JsonNode? WidgetValue);

/// <summary>
/// Follows links the way ComfyUI_frontend's <c>ExecutableNodeDTO.resolveInput</c>/<c>resolveOutput</c> do: bypassed
/// nodes (mode 4) pass the first type-compatible input through, frontend-only nodes (Reroute) pass their input at the same
/// slot, subgraph and group-node boundaries are crossed, and anything else is the producing node.
/// </summary>
internal sealed class LinkResolver(ContainerDefinitions containers, Func<GraphScope, EditorNode, GraphScope> expand, Func<string, bool> isVirtual)
{
    public ResolvedInput? ResolveInput(GraphScope scope, EditorNode node, int slot, string? type, HashSet<string> visited)
    {
        Enter(visited, scope, node, "[I]", slot);
        if (slot < 0 || slot >= node.Inputs.Count)
        {
            return null;
        }

        var input = node.Inputs[slot];
        if (input.Link is not { } linkId)
        {
            return null;
        }

        if (!scope.Links.TryGetValue(linkId, out var link))
        {
            throw Dangling(scope, node, $"its input '{input.Name}' uses link {linkId}, which the graph does not have");
        }

        if (link.OriginId == GraphScope.InputNodeId && scope.Owner is { } owner && scope.Parent is { } parent)
        {
            return ResolveBoundary(scope, owner, parent, link.OriginSlot, visited);
        }

        if (!scope.NodesById.TryGetValue(link.OriginId, out var origin))
        {
            throw Dangling(scope, node, $"its input '{input.Name}' is linked from node {link.OriginId}, which the graph does not have");
        }

        return ResolveOutput(scope, origin, link.OriginSlot, type ?? input.Type, visited);
    }

    public ResolvedInput? ResolveOutput(GraphScope scope, EditorNode node, int slot, string type, HashSet<string> visited)
    {
        Enter(visited, scope, node, "[O]", slot);
        if (node.Mode == 4)
        {
            var index = BypassSlotIndex(node, slot, type);
            return index < 0 ? null : ResolveInput(scope, node, index, null, visited);
        }

        if (containers.IsContainer(node))
        {
            var inner = expand(scope, node);
            if (slot >= inner.Outputs.Count || inner.Outputs[slot] is not { } feed)
            {
                return null;
            }

            if (feed.NodeId == GraphScope.InputNodeId)
            {
                return ResolveInput(scope, node, feed.Slot, type, visited);
            }

            return inner.NodesById.TryGetValue(feed.NodeId, out var innerNode)
                ? ResolveOutput(inner, innerNode, feed.Slot, type, visited)
                : throw Dangling(scope, node, $"its output {slot} comes from inner node {feed.NodeId}, which it does not contain");
        }

        if (isVirtual(node.Type))
        {
            // A Reroute passes its input at the same slot; a PrimitiveNode or Note has none (its value was applied to targets).
            return slot < node.Inputs.Count ? ResolveInput(scope, node, slot, type, visited) : null;
        }

        return new ResolvedInput(scope.ExecutionId(node), slot, null);
    }

    /// <summary>ExecutableNodeDTO's bypass rule: same slot if compatible, else exact type, else first compatible input.</summary>
    public static int BypassSlotIndex(EditorNode node, int slot, string type)
    {
        var inputs = node.Inputs;
        if (type is "*" or "")
        {
            return inputs.Count > slot ? slot : (inputs.Count > 0 ? 0 : -1);
        }

        var outputType = slot < node.OutputTypes.Count ? node.OutputTypes[slot] : "*";
        if (slot < inputs.Count && LinkTypes.FrontendCompatible(inputs[slot].Type, outputType) && LinkTypes.FrontendCompatible(inputs[slot].Type, type))
        {
            return slot;
        }

        var exact = inputs.ToList().FindIndex(i => i.Type == type);
        return exact >= 0
            ? exact
            : inputs.ToList().FindIndex(i => LinkTypes.FrontendCompatible(i.Type, outputType) && LinkTypes.FrontendCompatible(i.Type, type));
    }

    private ResolvedInput? ResolveBoundary(GraphScope scope, EditorNode owner, GraphScope parent, int index, HashSet<string> visited)
    {
        if (index >= owner.Inputs.Count)
        {
            return null;
        }

        var ownerInput = owner.Inputs[index];
        if (ownerInput.Link is null)
        {
            // An unconnected subgraph input shown as a widget on the instance sends that widget's value.
            if (ownerInput.WidgetName is null || containers.IsGroupNode(owner) || owner.WidgetsValues is not { ValueKind: System.Text.Json.JsonValueKind.Array } values)
            {
                return null;
            }

            var widgetIndex = owner.Inputs.Take(index).Count(i => i.WidgetName is not null);
            return widgetIndex < values.GetArrayLength()
                ? new ResolvedInput(null, -1, JsonNode.Parse(values[widgetIndex].GetRawText()))
                : null;
        }

        _ = scope;
        return ResolveInput(parent, owner, index, null, visited);
    }

    private static void Enter(HashSet<string> visited, GraphScope scope, EditorNode node, string direction, int slot)
    {
        if (!visited.Add(scope.ExecutionId(node) + direction + slot))
        {
            throw new ComfyWorkflowConversionException(
                $"Node {scope.ExecutionId(node)} ({node.Type}): its links loop back on themselves (through Reroutes, bypassed nodes or subgraphs).",
                WorkflowConversionProblem.LinkCycle, scope.ExecutionId(node));
        }
    }

    private static ComfyWorkflowConversionException Dangling(GraphScope scope, EditorNode node, string what) =>
        new($"Node {scope.ExecutionId(node)} ({node.Type}): {what}.", WorkflowConversionProblem.DanglingLink, scope.ExecutionId(node));
}
