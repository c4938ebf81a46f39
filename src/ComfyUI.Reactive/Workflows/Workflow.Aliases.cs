using System.Text.Json;
using System.Text.Json.Nodes;

namespace ComfyUI.Reactive.Workflows;

public sealed partial class Workflow
{
    /// <summary>Where aliases live: the node's <c>_meta</c>, which the server ignores, under a key of this SDK's own.</summary>
    internal const string MetaKey = "comfyui_reactive";

    /// <summary>Input aliases (alias → path <c>nodeId.inputs.name</c>) set with <see cref="Input"/>.</summary>
    public IReadOnlyDictionary<string, string> InputAliases => _aliases ??= ReadAliases();

    private Dictionary<string, string>? _aliases;

    /// <summary>
    /// Names an input, e.g. <c>Input("prompt", "6.inputs.text")</c>, so that <c>Set("prompt", "a lighthouse")</c> and
    /// <c>Get("prompt")</c> reach it (like comfyui-node's <c>PromptBuilder.setInputNode</c>). The alias is kept in the
    /// node's <c>_meta</c> under <c>comfyui_reactive</c>, so it survives <see cref="ToJson"/> and <see cref="Parse(string)"/>;
    /// the server ignores <c>_meta</c>. An existing alias of the same name is moved.
    /// </summary>
    /// <param name="alias">The alias: any text without <c>.inputs.</c>.</param>
    /// <param name="path">The input path <c>nodeId.inputs.name</c>; the node must have the input.</param>
    /// <returns>A new workflow with the alias.</returns>
    /// <exception cref="ComfyWorkflowException">No node has that id, or it has no such input (the message names the nearest).</exception>
    public Workflow Input(string alias, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(alias);
        if (alias.Contains(InputsSegment, StringComparison.Ordinal))
        {
            throw new ArgumentException($"An alias cannot contain '{InputsSegment}': '{alias}' would read as a path.", nameof(alias));
        }

        var (nodeId, input) = SplitPath(path);
        var root = Mutable();
        if (root[nodeId] is not JsonObject node)
        {
            throw new ComfyWorkflowException($"The workflow has no node '{nodeId}'. Its nodes are: {Describe(NodeIds)}.", nodeId);
        }

        if ((node["inputs"] as JsonObject)?.ContainsKey(input) != true)
        {
            var names = (node["inputs"] as JsonObject)?.Select(p => p.Key).ToList() ?? [];
            throw new ComfyWorkflowException($"Node {Describe([nodeId])} has no input '{input}'. {NameSuggestions.Hint(input, names, "inputs")}", nodeId);
        }

        foreach (var (_, other) in root)
        {
            (other?["_meta"]?[MetaKey]?["inputs"] as JsonObject)?.Remove(alias);
        }

        var meta = node["_meta"] as JsonObject ?? (JsonObject)(node["_meta"] = new JsonObject());
        var own = meta[MetaKey] as JsonObject ?? (JsonObject)(meta[MetaKey] = new JsonObject());
        var aliases = own["inputs"] as JsonObject ?? (JsonObject)(own["inputs"] = new JsonObject());
        aliases[alias] = input;
        return With(root, _outputs);
    }

    /// <summary>Turns an alias into its path; a path (with <c>.inputs.</c>) is returned as it is.</summary>
    internal string ResolveAlias(string pathOrAlias)
    {
        ArgumentNullException.ThrowIfNull(pathOrAlias);
        if (pathOrAlias.Contains(InputsSegment, StringComparison.Ordinal))
        {
            return pathOrAlias;
        }

        if (InputAliases.TryGetValue(pathOrAlias, out var path))
        {
            return path;
        }

        if (InputAliases.Count == 0)
        {
            return pathOrAlias; // SplitPath explains what a path looks like
        }

        throw new ArgumentException(
            $"'{pathOrAlias}' is neither an input path (nodeId.inputs.name, e.g. 6.inputs.text) nor an input alias. " +
            NameSuggestions.Hint(pathOrAlias, [.. InputAliases.Keys], "input aliases"),
            nameof(pathOrAlias));
    }

    private Dictionary<string, string> ReadAliases()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var id in NodeIds)
        {
            if (_nodes[id].ValueKind == JsonValueKind.Object && _nodes[id].TryGetProperty("_meta", out var meta) && meta.ValueKind == JsonValueKind.Object &&
                meta.TryGetProperty(MetaKey, out var own) && own.ValueKind == JsonValueKind.Object &&
                own.TryGetProperty("inputs", out var inputs) && inputs.ValueKind == JsonValueKind.Object)
            {
                foreach (var alias in inputs.EnumerateObject().Where(a => a.Value.ValueKind == JsonValueKind.String))
                {
                    result[alias.Name] = id + InputsSegment + alias.Value.GetString();
                }
            }
        }

        return result;
    }
}
