using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Workflows;

/// <summary>
/// Builds an API-format <see cref="Workflow"/> in code: add nodes, set inputs, connect outputs to inputs, then
/// <see cref="Build"/>. With a <see cref="NodeSchemaCatalog"/>, outputs can be connected by name and output indexes are
/// checked; <see cref="Build"/> rejects cycles, links to nodes that are not in the graph and unknown outputs with a
/// <see cref="ComfyWorkflowGraphException"/> naming the node. Not thread-safe; a built workflow is.
/// </summary>
public sealed class WorkflowBuilder
{
    private readonly NodeSchemaCatalog? _schema;
    private readonly List<WorkflowNode> _nodes = [];
    private readonly Dictionary<string, WorkflowNode> _byId = new(StringComparer.Ordinal);
    private int _nextId = 1;

    /// <summary>Creates a builder.</summary>
    /// <param name="schema">Node schemas to resolve output names and check output indexes; null to connect by index only.</param>
    public WorkflowBuilder(NodeSchemaCatalog? schema = null) => _schema = schema;

    /// <summary>The nodes added so far, in order.</summary>
    public IReadOnlyList<WorkflowNode> Nodes => _nodes;

    /// <summary>Adds a node.</summary>
    /// <param name="classType">The class type, e.g. <c>KSampler</c>.</param>
    /// <param name="title">The title (<c>_meta.title</c>); null for the schema's display name or the class type.</param>
    /// <param name="id">The node id; null for the next free number ("1", "2", ...).</param>
    /// <returns>The node, to set and connect its inputs.</returns>
    /// <exception cref="ComfyWorkflowGraphException">The id is taken (<see cref="WorkflowGraphProblem.DuplicateNodeId"/>).</exception>
    public WorkflowNode AddNode(string classType, string? title = null, string? id = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(classType);
        if (id is not null && _byId.TryGetValue(id, out var existing))
        {
            throw new ComfyWorkflowGraphException(
                $"Node id '{id}' is already used by {existing}.", WorkflowGraphProblem.DuplicateNodeId, id, null);
        }

        while (id is null)
        {
            var candidate = (_nextId++).ToString(CultureInfo.InvariantCulture);
            if (!_byId.ContainsKey(candidate))
            {
                id = candidate;
            }
        }

        var node = new WorkflowNode(id, classType, title);
        _nodes.Add(node);
        _byId.Add(id, node);
        return node;
    }

    /// <summary>Checks the graph and produces the workflow (the builder can be changed and built again afterwards).</summary>
    /// <returns>The workflow, with <c>_meta.title</c> on every node.</returns>
    /// <exception cref="ComfyWorkflowGraphException">A link points to a missing node or output, or links form a cycle.</exception>
    public Workflow Build()
    {
        var links = new Dictionary<string, List<(string Input, NodeLink Link)>>(StringComparer.Ordinal);
        var root = new JsonObject();
        foreach (var node in _nodes)
        {
            var inputs = new JsonObject();
            var nodeLinks = new List<(string, NodeLink)>();
            foreach (var (name, value) in node.Inputs)
            {
                if (value is OutputSlot slot)
                {
                    var link = Resolve(node, name, slot);
                    nodeLinks.Add((name, link));
                    inputs[name] = link.ToJson();
                }
                else
                {
                    inputs[name] = ((JsonNode?)value)?.DeepClone();
                }
            }

            links[node.Id] = nodeLinks;
            root[node.Id] = new JsonObject
            {
                ["class_type"] = node.ClassType,
                ["inputs"] = inputs,
                ["_meta"] = new JsonObject { ["title"] = node.Title ?? DisplayName(node.ClassType) },
            };
        }

        FindCycle(links);
        using var document = JsonDocument.Parse(root.ToJsonString());
        return Workflow.FromElement(document.RootElement);
    }

    private NodeLink Resolve(WorkflowNode node, string input, OutputSlot slot)
    {
        if (!_byId.TryGetValue(slot.NodeId, out var source))
        {
            throw new ComfyWorkflowGraphException(
                $"Node {node} input '{input}' links to node '{slot.NodeId}', which is not in the graph.",
                WorkflowGraphProblem.DanglingLink, node.Id, input);
        }

        NodeInfo? info = null;
        _schema?.TryGetNode(source.ClassType, out info);
        if (slot.Name is { } name)
        {
            if (info is null)
            {
                throw new ComfyWorkflowGraphException(
                    $"Node {node} input '{input}' links to output '{name}' of {source}, but output names need the node's schema " +
                    (_schema is null ? "(create the builder with a NodeSchemaCatalog)." : "and the catalog does not have this class."),
                    WorkflowGraphProblem.UnknownOutput, node.Id, input);
            }

            var index = IndexOf(info.OutputName, name);
            if (index < 0 && Enumerable.Count(info.Output, t => t == name) == 1)
            {
                index = IndexOf(info.Output, name);
            }

            if (index < 0)
            {
                throw new ComfyWorkflowGraphException(
                    $"Node {node} input '{input}' links to output '{name}' of {source}, which has outputs [{Outputs(info)}].",
                    WorkflowGraphProblem.UnknownOutput, node.Id, input);
            }

            return new NodeLink(source.Id, index);
        }

        var slotIndex = slot.Index!.Value;
        if (slotIndex < 0 || (info is not null && slotIndex >= info.Output.Count))
        {
            throw new ComfyWorkflowGraphException(
                $"Node {node} input '{input}' links to output {slotIndex} of {source}, which has " +
                (info is null ? "no negative slots." : $"{info.Output.Count} outputs [{Outputs(info)}]."),
                WorkflowGraphProblem.UnknownOutput, node.Id, input);
        }

        return new NodeLink(source.Id, slotIndex);
    }

    private void FindCycle(Dictionary<string, List<(string Input, NodeLink Link)>> links)
    {
        // Depth-first with an explicit stack: a chain of many thousand nodes built in a loop must not overflow the
        // thread's stack (which would end the process). 0 = unseen, 1 = on the path, 2 = done.
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new List<string>();
        var next = new List<int>();
        foreach (var node in _nodes)
        {
            if (state.GetValueOrDefault(node.Id) != 0)
            {
                continue;
            }

            state[node.Id] = 1;
            path.Add(node.Id);
            next.Add(0);
            while (path.Count > 0)
            {
                var id = path[^1];
                var edges = links[id];
                if (next[^1] == edges.Count)
                {
                    path.RemoveAt(path.Count - 1);
                    next.RemoveAt(next.Count - 1);
                    state[id] = 2;
                    continue;
                }

                var (input, link) = edges[next[^1]++];
                switch (state.GetValueOrDefault(link.NodeId))
                {
                    case 1:
                        var cycle = path.Skip(path.IndexOf(link.NodeId)).ToList();
                        cycle.Reverse();
                        var text = string.Join(" -> ", cycle.Append(cycle[0]).Select(n => _byId[n].ToString()));
                        throw new ComfyWorkflowGraphException(
                            $"The graph has a cycle: {text} (node {_byId[id]} input '{input}' closes it).",
                            WorkflowGraphProblem.Cycle, id, input, cycle);
                    case 0:
                        state[link.NodeId] = 1;
                        path.Add(link.NodeId);
                        next.Add(0);
                        break;
                }
            }
        }
    }

    private string DisplayName(string classType) =>
        _schema is not null && _schema.TryGetNode(classType, out var info) && !string.IsNullOrEmpty(info.DisplayName) ? info.DisplayName : classType;

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i], value, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Outputs(NodeInfo info) =>
        string.Join(", ", info.Output.Select((type, i) => i < info.OutputName.Count && info.OutputName[i] != type ? $"{i}: {info.OutputName[i]} ({type})" : $"{i}: {type}"));
}
