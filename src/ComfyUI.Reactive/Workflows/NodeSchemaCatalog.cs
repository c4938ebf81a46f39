using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Rest;

namespace ComfyUI.Reactive.Workflows;

/// <summary>
/// The node schemas of one server (<c>GET /object_info</c>): what <see cref="Workflow.Validate"/>,
/// <see cref="WorkflowBuilder"/> and <see cref="Workflow.Bypass"/> check against. Immutable and thread-safe; build it once
/// per server and reuse it (the client caches one per server). Combo lists of model and input files are a snapshot of the
/// server's folders at fetch time: refetch after adding models or uploading images, or extend them with
/// <see cref="WithComboOptions"/>.
/// </summary>
public sealed class NodeSchemaCatalog
{
    // Keyed by the schema object (immutable once read), so a catalog's copies with one input changed get their own.
    private static readonly ConditionalWeakTable<NodeInfo, NodeDeclarations> DeclarationsByNode = new();

    private readonly FrozenDictionary<string, NodeInfo> _nodes;

    /// <summary>Creates a catalog from <c>/object_info</c> as returned by the REST API.</summary>
    /// <param name="nodes">Class type → node schema.</param>
    public NodeSchemaCatalog(IReadOnlyDictionary<string, NodeInfo> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        _nodes = nodes.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Every node schema by class type.</summary>
    public IReadOnlyDictionary<string, NodeInfo> Nodes => _nodes;

    /// <summary>The number of node classes.</summary>
    public int Count => _nodes.Count;

    /// <summary>Reads a catalog from the JSON text of <c>/object_info</c>.</summary>
    /// <param name="objectInfoJson">The JSON object of class type → node schema.</param>
    /// <returns>The catalog.</returns>
    /// <exception cref="JsonException">The text is not such an object.</exception>
    public static NodeSchemaCatalog Parse(string objectInfoJson)
    {
        ArgumentNullException.ThrowIfNull(objectInfoJson);
        var nodes = JsonSerializer.Deserialize(objectInfoJson, ComfyRestJsonContext.Default.DictionaryStringNodeInfo)
            ?? throw new JsonException("object_info is null.");
        return new NodeSchemaCatalog(nodes);
    }

    /// <summary>Finds a node schema.</summary>
    /// <param name="classType">The class type.</param>
    /// <param name="node">The schema when found.</param>
    /// <returns>True when the server has the class.</returns>
    public bool TryGetNode(string classType, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out NodeInfo? node) =>
        _nodes.TryGetValue(classType, out node);

    /// <summary>True when the server has the class.</summary>
    /// <param name="classType">The class type.</param>
    /// <returns>Whether the class exists.</returns>
    public bool Contains(string classType) => _nodes.ContainsKey(classType);

    /// <summary>
    /// Returns a catalog where one combo input also accepts <paramref name="options"/> (appended, duplicates skipped):
    /// e.g. a checkpoint the server will have, or an image uploaded after <c>/object_info</c> was read.
    /// </summary>
    /// <param name="classType">The class type, e.g. <c>CheckpointLoaderSimple</c>.</param>
    /// <param name="inputName">The combo input, e.g. <c>ckpt_name</c>.</param>
    /// <param name="options">The extra values.</param>
    /// <returns>A new catalog.</returns>
    /// <exception cref="ArgumentException">The class or input does not exist or is not a combo.</exception>
    public NodeSchemaCatalog WithComboOptions(string classType, string inputName, IEnumerable<string> options)
    {
        ArgumentNullException.ThrowIfNull(classType);
        ArgumentNullException.ThrowIfNull(inputName);
        ArgumentNullException.ThrowIfNull(options);
        if (!_nodes.TryGetValue(classType, out var node))
        {
            throw new ArgumentException($"The catalog has no node class '{classType}'.", nameof(classType));
        }

        var isRequired = node.Input.Required.ContainsKey(inputName);
        var group = isRequired ? node.Input.Required : node.Input.Optional;
        if (!group.TryGetValue(inputName, out var spec) || !spec.IsCombo)
        {
            throw new ArgumentException($"'{classType}' has no combo input '{inputName}'.", nameof(inputName));
        }

        var raw = JsonNode.Parse(spec.Raw.GetRawText())!.AsArray();
        var list = raw[0] is JsonArray legacy
            ? legacy
            : (raw.Count > 1 && raw[1] is JsonObject o ? (o["options"] as JsonArray ?? (JsonArray)(o["options"] = new JsonArray())) : null)
              ?? throw new ArgumentException($"'{classType}.{inputName}' has no option list to extend.", nameof(inputName));
        var existing = new HashSet<string>(spec.ComboOptions!, StringComparer.Ordinal);
        foreach (var option in options)
        {
            if (existing.Add(option))
            {
                list.Add((JsonNode)option);
            }
        }

        using var document = JsonDocument.Parse(raw.ToJsonString());
        var newSpec = InputSpec.FromJson(document.RootElement);
        var newGroup = group.ToDictionary(StringComparer.Ordinal);
        newGroup[inputName] = newSpec;
        var newNode = Copy(node, isRequired
            ? new NodeInputs { Required = newGroup, Optional = node.Input.Optional, Hidden = node.Input.Hidden }
            : new NodeInputs { Required = node.Input.Required, Optional = newGroup, Hidden = node.Input.Hidden });
        var nodes = _nodes.ToDictionary(StringComparer.Ordinal);
        nodes[classType] = newNode;
        return new NodeSchemaCatalog(nodes);
    }

    /// <summary>Every declared (required, then optional) input of a node in declared order, with whether it is required.</summary>
    internal static IReadOnlyList<DeclaredInput> DeclaredInputs(NodeInfo node) => DeclarationsOf(node).Inputs;

    /// <summary>A node's declared inputs and the names it accepts, worked out once per schema: every submission
    /// validates against them, and working them out is a set and a list per node.</summary>
    internal static NodeDeclarations DeclarationsOf(NodeInfo node) =>
        DeclarationsByNode.GetValue(node, static n =>
        {
            var inputs = ComputeDeclaredInputs(n).ToArray();
            var names = new HashSet<string>(inputs.Select(i => i.Name), StringComparer.Ordinal);
            names.UnionWith(n.Input.Hidden.Keys);
            return new NodeDeclarations(inputs, names);
        });

    private static IEnumerable<DeclaredInput> ComputeDeclaredInputs(NodeInfo node)
    {
        foreach (var (group, order, required) in new[]
                 {
                     (node.Input.Required, node.InputOrder.Required, true),
                     (node.Input.Optional, node.InputOrder.Optional, false),
                 })
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in order)
            {
                if (group.TryGetValue(name, out var spec) && seen.Add(name))
                {
                    yield return new DeclaredInput(name, spec, required);
                }
            }

            // Older servers send no input_order: fall back to the group's own order.
            foreach (var (name, spec) in group)
            {
                if (seen.Add(name))
                {
                    yield return new DeclaredInput(name, spec, required);
                }
            }
        }
    }

    private static NodeInfo Copy(NodeInfo node, NodeInputs inputs) => new()
    {
        Name = node.Name,
        DisplayName = node.DisplayName,
        Description = node.Description,
        Category = node.Category,
        PythonModule = node.PythonModule,
        Input = inputs,
        InputOrder = node.InputOrder,
        Output = node.Output,
        OutputIsList = node.OutputIsList,
        OutputName = node.OutputName,
        OutputTooltips = node.OutputTooltips,
        OutputNode = node.OutputNode,
        Deprecated = node.Deprecated,
        Experimental = node.Experimental,
        DevOnly = node.DevOnly,
        ApiNode = node.ApiNode,
        IsInputList = node.IsInputList,
        HasIntermediateOutput = node.HasIntermediateOutput,
        SearchAliases = node.SearchAliases,
        EssentialsCategory = node.EssentialsCategory,
    };
}

/// <summary>One declared input of a node (<see cref="NodeSchemaCatalog.DeclaredInputs"/>). A class, not a tuple: LINQ and
/// collections over a struct are compiled at run time for each struct type, on the validation path of every job.</summary>
internal sealed record DeclaredInput(string Name, InputSpec Spec, bool Required);

/// <summary>What <see cref="NodeSchemaCatalog.DeclarationsOf"/> keeps per node schema.</summary>
/// <param name="Inputs">Declared inputs, required then optional, in declared order (an array: walked per node per
/// submission without an enumerator).</param>
/// <param name="Names">Their names and the hidden inputs' names: every input name the node accepts.</param>
internal sealed record NodeDeclarations(DeclaredInput[] Inputs, IReadOnlySet<string> Names);
