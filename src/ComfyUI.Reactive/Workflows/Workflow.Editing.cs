using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ComfyUI.Reactive.Workflows;

public sealed partial class Workflow
{
    private const string InputsSegment = ".inputs.";

    /// <summary>Sets one input by path <c>nodeId.inputs.name</c>, e.g. <c>Set("6.inputs.text", "a lighthouse")</c>.</summary>
    /// <param name="path">The node id, <c>.inputs.</c>, and the input name (node ids and input names may contain dots;
    /// the first <c>.inputs.</c> separates them), or an alias set with <see cref="Input"/>.</param>
    /// <param name="value">The value (strings, numbers and booleans convert implicitly). A JSON array is a link and must be
    /// <c>["nodeId", index]</c>; to pass a list as a value wrap it as <c>{"__value__": [...]}</c>. The value is copied.</param>
    /// <returns>A new workflow with the input set.</returns>
    /// <exception cref="ComfyWorkflowException">No node has that id, the node has no such input (a typo: the message names
    /// the nearest input names; use <see cref="AddInput(string, JsonNode)"/> to add a new one), or a link points to a node
    /// that does not exist.</exception>
    public Workflow Set(string path, JsonNode? value) => Set([new KeyValuePair<string, JsonNode?>(path, value)]);

    /// <summary>
    /// Adds an input the node does not have yet (or replaces it), e.g. an optional input the export left out. Unlike
    /// <see cref="Set(string, JsonNode)"/>, a name the node lacks is not treated as a typo. The server ignores constants
    /// in inputs its schema does not declare; <see cref="Validate"/> lists them in
    /// <see cref="WorkflowValidationResult.UndeclaredInputs"/>.
    /// </summary>
    /// <param name="path">The input path <c>nodeId.inputs.name</c>.</param>
    /// <param name="value">The value or link (copied), as for <see cref="Set(string, JsonNode)"/>.</param>
    /// <returns>A new workflow with the input.</returns>
    /// <exception cref="ComfyWorkflowException">No node has that id, or a link points to a node that does not exist.</exception>
    public Workflow AddInput(string path, JsonNode? value)
    {
        var (nodeId, input) = SplitPath(ResolveAlias(path));
        var root = Mutable();
        SetInput(root, nodeId, input, value, allowNew: true);
        return With(root, _outputs);
    }

    /// <summary>Links an input to another node's output, e.g. <c>Set("9.inputs.images", new NodeLink("8", 0))</c>.</summary>
    /// <param name="path">The input path <c>nodeId.inputs.name</c>.</param>
    /// <param name="link">The source node and output slot.</param>
    /// <returns>A new workflow with the link set.</returns>
    /// <exception cref="ComfyWorkflowException">Either node does not exist, or the node has no such input.</exception>
    public Workflow Set(string path, NodeLink link) => Set(path, link.ToJson());

    /// <summary>
    /// Sets several inputs at once (one copy, all or nothing): each key is a path <c>nodeId.inputs.name</c>.
    /// </summary>
    /// <param name="values">Path → value pairs, applied in order.</param>
    /// <returns>A new workflow with every input set.</returns>
    /// <exception cref="ComfyWorkflowException">Some node or input does not exist; nothing is changed.</exception>
    public Workflow Set(IEnumerable<KeyValuePair<string, JsonNode?>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var root = Mutable();
        var sameStructure = true;
        foreach (var (path, value) in values)
        {
            var (nodeId, input) = SplitPath(ResolveAlias(path));
            sameStructure = sameStructure && IsPlainValue(input, Existing(nodeId, input)) && IsPlainValue(input, value);
            SetInput(root, nodeId, input, value, allowNew: false);
        }

        // A new prompt text or seed per job (the common batch) keeps the structural hash: the template computes it once
        // (and keeps it), every workflow derived from it shares it, instead of each job hashing its own copy.
        var workflow = With(root, _outputs);
        if (sameStructure)
        {
            workflow._hash = Hash;
        }

        return workflow;
    }

    /// <summary>An input value the structural hash sees only as "a value": neither a link nor a model reference.</summary>
    private static bool IsPlainValue(string input, object? value) => value switch
    {
        JsonElement { ValueKind: JsonValueKind.Array } => false,
        JsonElement { ValueKind: JsonValueKind.String } e => !IsModelReference(input, e.GetString()!),
        JsonElement { ValueKind: JsonValueKind.Undefined } => false,   // a new input changes the structure
        JsonArray => false,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => !IsModelReference(input, v.GetValue<string>()),
        _ => true,
    };

    private JsonElement Existing(string nodeId, string input) =>
        _nodes.TryGetValue(nodeId, out var node) && InputsOf(node) is { } inputs && inputs.TryGetProperty(input, out var value) ? value : default;

    /// <summary>Sets an input on the node(s) whose <c>_meta.title</c> equals <paramref name="title"/>.</summary>
    /// <param name="title">The node title as shown in the editor, e.g. <c>CLIP Text Encode (Positive Prompt)</c>.</param>
    /// <param name="inputName">The input name, e.g. <c>text</c>.</param>
    /// <param name="value">The value (copied).</param>
    /// <param name="match"><see cref="NodeMatch.ExactlyOne"/> (default): exactly one node must have the title;
    /// <see cref="NodeMatch.All"/>: every node with it is changed.</param>
    /// <returns>A new workflow with the input set.</returns>
    /// <exception cref="ComfyWorkflowException">No node has the title, or several do and <paramref name="match"/> is Single.</exception>
    public Workflow SetByTitle(string title, string inputName, JsonNode? value, NodeMatch match = NodeMatch.ExactlyOne)
    {
        ArgumentNullException.ThrowIfNull(title);
        return SetMatches(FindByTitle(title), $"titled '{title}'", inputName, value, match);
    }

    /// <summary>Sets an input on the node(s) of class <paramref name="classType"/>.</summary>
    /// <param name="classType">The class type, e.g. <c>KSampler</c>.</param>
    /// <param name="inputName">The input name, e.g. <c>steps</c>.</param>
    /// <param name="value">The value (copied).</param>
    /// <param name="match"><see cref="NodeMatch.ExactlyOne"/> (default): exactly one node must be of the class;
    /// <see cref="NodeMatch.All"/>: every node of it is changed.</param>
    /// <returns>A new workflow with the input set.</returns>
    /// <exception cref="ComfyWorkflowException">No node is of the class, or several are and <paramref name="match"/> is Single.</exception>
    public Workflow SetByClass(string classType, string inputName, JsonNode? value, NodeMatch match = NodeMatch.ExactlyOne)
    {
        ArgumentNullException.ThrowIfNull(classType);
        return SetMatches(FindByClass(classType), $"of class '{classType}'", inputName, value, match);
    }

    /// <summary>
    /// Names an output node so job results can be read by alias, e.g. <c>Output("images", "9")</c>. Kept on the workflow
    /// (not in its JSON); an existing alias is replaced.
    /// </summary>
    /// <param name="alias">The alias.</param>
    /// <param name="nodeId">The node whose outputs the alias names.</param>
    /// <returns>A new workflow with the alias.</returns>
    /// <exception cref="ComfyWorkflowException">No node has that id.</exception>
    public Workflow Output(string alias, string nodeId)
    {
        ArgumentException.ThrowIfNullOrEmpty(alias);
        _ = Node(nodeId);
        return new Workflow(_root, _outputs.SetItem(alias, nodeId)) { _hash = _hash };
    }

    /// <summary>
    /// Marks every <c>seed</c> and <c>noise_seed</c> input that holds a number as random (<c>-1</c>): each render
    /// (each run) then draws a fresh seed. Linked seed inputs are left alone.
    /// </summary>
    /// <returns>A new workflow whose seeds are drawn at every run.</returns>
    public Workflow RandomizeSeeds()
    {
        var root = Mutable();
        foreach (var (_, node) in root)
        {
            if (node?["inputs"] is JsonObject inputs)
            {
                foreach (var name in Seeds.InputNames)
                {
                    if (inputs[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
                    {
                        inputs[name] = RandomSeed;
                    }
                }
            }
        }

        return With(root, _outputs);
    }

    /// <summary>
    /// Removes a node the way ComfyUI's "Bypass" mode does: each consumer of one of its outputs is rewired to the
    /// source of one of the bypassed node's own inputs, so data flows through as if the node were not there.
    /// </summary>
    /// <remarks>
    /// <para>For a consumer input linked to output slot <c>k</c> of the bypassed node, the replacement is chosen like the
    /// ComfyUI frontend does when it builds the API prompt: first the bypassed node's input at position <c>k</c>, then its
    /// inputs in declared order; the first that is linked and whose type matches is used.</para>
    /// <para>With <paramref name="schema"/>: positions and order are the node's declared input order, and "type matches"
    /// means the bypassed input's declared type overlaps the consumer input's declared type (comma-separated type sets,
    /// <c>*</c> matches anything — the server's link rule; when the consumer's class is unknown, the bypassed node's output
    /// type is used instead).</para>
    /// <para>Without a schema: candidates are the bypassed node's linked inputs in JSON order; the one at position
    /// <c>k</c> is used, else, if there is exactly one linked input, that one.</para>
    /// <para>When nothing matches, the consumer's input is removed (as the frontend does); validation then reports it
    /// as <c>required_input_missing</c> if it was required. Output aliases naming the bypassed node are dropped.</para>
    /// </remarks>
    /// <param name="nodeId">The node to bypass.</param>
    /// <param name="schema">Node schemas from <c>/object_info</c> to match by type; null to match by position.</param>
    /// <returns>A new workflow without the node.</returns>
    /// <exception cref="ComfyWorkflowException">No node has that id.</exception>
    public Workflow Bypass(string nodeId, NodeSchemaCatalog? schema = null)
    {
        var bypassed = Node(nodeId);
        var root = Mutable();
        root.Remove(nodeId);
        foreach (var consumerId in NodeIds)
        {
            if (consumerId == nodeId || root[consumerId]?["inputs"] is not JsonObject inputs)
            {
                continue;
            }

            var consumerClass = ClassTypeOf(_nodes[consumerId]);
            foreach (var (inputName, value) in inputs.ToList())
            {
                if (!NodeLink.TryRead(value, out var link) || link.NodeId != nodeId)
                {
                    continue;
                }

                var replacement = BypassRule.FindReplacement(bypassed, link.OutputIndex, consumerClass, inputName, schema);
                if (replacement is { } source)
                {
                    inputs[inputName] = source.ToJson();
                }
                else
                {
                    inputs.Remove(inputName);
                }
            }
        }

        var outputs = _outputs.Where(kv => kv.Value != nodeId).ToImmutableDictionary(StringComparer.Ordinal);
        return With(root, outputs);
    }

    internal static (string NodeId, string Input) SplitPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var at = path.IndexOf(InputsSegment, StringComparison.Ordinal);
        if (at <= 0 || at + InputsSegment.Length >= path.Length)
        {
            throw new ArgumentException($"'{path}' is not an input path; write it as nodeId.inputs.name, e.g. 6.inputs.text.", nameof(path));
        }

        return (path[..at], path[(at + InputsSegment.Length)..]);
    }

    private Workflow SetMatches(IReadOnlyList<string> ids, string what, string inputName, JsonNode? value, NodeMatch match)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputName);
        if (ids.Count == 0)
        {
            throw new ComfyWorkflowException($"No node is {what}. The nodes are: {Describe(NodeIds)}.", null);
        }

        if (ids.Count > 1 && match == NodeMatch.ExactlyOne)
        {
            throw new ComfyWorkflowException(
                $"{ids.Count} nodes are {what}: {Describe(ids)}. Set it by node id, or pass NodeMatch.All to change every one.",
                null,
                ids);
        }

        var root = Mutable();
        foreach (var id in ids)
        {
            SetInput(root, id, inputName, value, allowNew: false);
        }

        return With(root, _outputs);
    }

    private void SetInput(JsonObject root, string nodeId, string input, JsonNode? value, bool allowNew)
    {
        if (root[nodeId] is not JsonObject node)
        {
            throw new ComfyWorkflowException($"The workflow has no node '{nodeId}'. Its nodes are: {Describe(NodeIds)}.", nodeId);
        }

        if (!allowNew && (node["inputs"] as JsonObject)?.ContainsKey(input) != true)
        {
            // A misspelt name would otherwise become a new input that the server silently ignores.
            var names = (node["inputs"] as JsonObject)?.Select(p => p.Key).ToList() ?? [];
            throw new ComfyWorkflowException(
                $"Node {Describe([nodeId])} has no input '{input}'. {NameSuggestions.Hint(input, names, "inputs")} " +
                $"To add a new input on purpose, call AddInput(\"{nodeId}.inputs.{input}\", value).",
                nodeId);
        }

        var copy = value?.DeepClone();
        if (copy is JsonArray)
        {
            if (!NodeLink.TryRead(copy, out var link))
            {
                throw new ArgumentException(
                    $"A JSON array in inputs is a link and must be [\"nodeId\", outputIndex]; to pass a list as a value wrap it as {{\"__value__\": [...]}} (input {nodeId}.inputs.{input}).",
                    nameof(value));
            }

            if (root[link.NodeId] is null)
            {
                throw new ComfyWorkflowException(
                    $"Input {nodeId}.inputs.{input} cannot link to node '{link.NodeId}': the workflow has no such node.", nodeId);
            }
        }

        if (node["inputs"] is not JsonObject inputs)
        {
            inputs = [];
            node["inputs"] = inputs;
        }

        inputs[input] = copy;
    }

    private JsonObject Mutable() => JsonNode.Parse(_root.GetRawText())!.AsObject();

    private static Workflow With(JsonObject root, ImmutableDictionary<string, string> outputs)
    {
        using var document = JsonDocument.Parse(root.ToJsonString(WriteOptions), ReadOptions);
        return new Workflow(document.RootElement.Clone(), outputs);
    }
}
