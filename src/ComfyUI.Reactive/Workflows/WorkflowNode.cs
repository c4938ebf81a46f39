using System.Text.Json.Nodes;

namespace ComfyUI.Reactive.Workflows;

/// <summary>A node being added to a <see cref="WorkflowBuilder"/>: set its inputs and connect them to other nodes' outputs.</summary>
public sealed class WorkflowNode
{
    private readonly List<KeyValuePair<string, object?>> _inputs = [];

    internal WorkflowNode(string id, string classType, string? title)
    {
        Id = id;
        ClassType = classType;
        Title = title;
    }

    /// <summary>The node id in the built workflow.</summary>
    public string Id { get; }

    /// <summary>The class type, e.g. <c>KSampler</c>.</summary>
    public string ClassType { get; }

    /// <summary>The title (<c>_meta.title</c>), or null to use the schema's display name or the class type.</summary>
    public string? Title { get; }

    internal IReadOnlyList<KeyValuePair<string, object?>> Inputs => _inputs;

    /// <summary>Sets a widget value (strings, numbers and booleans convert implicitly); replaces an earlier value or link.</summary>
    /// <param name="input">The input name.</param>
    /// <param name="value">The value (copied). To pass a list wrap it as <c>{"__value__": [...]}</c>; use
    /// <see cref="Connect(string, OutputSlot)"/> for links.</param>
    /// <returns>This node, for chaining.</returns>
    public WorkflowNode Set(string input, JsonNode? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(input);
        if (value is JsonArray)
        {
            throw new ArgumentException(
                $"Node {Id} input '{input}': a JSON array would be read as a link. Use Connect for links, or wrap a list as {{\"__value__\": [...]}}.",
                nameof(value));
        }

        Put(input, value?.DeepClone());
        return this;
    }

    /// <summary>Links an input to another node's output.</summary>
    /// <param name="input">The input name.</param>
    /// <param name="source">The output, e.g. <c>loader.Output("CLIP")</c> or <c>loader.Output(1)</c>.</param>
    /// <returns>This node, for chaining.</returns>
    public WorkflowNode Connect(string input, OutputSlot source)
    {
        ArgumentException.ThrowIfNullOrEmpty(input);
        ArgumentNullException.ThrowIfNull(source.NodeId, nameof(source));
        Put(input, source);
        return this;
    }

    /// <summary>This node's output by slot index.</summary>
    /// <param name="index">The slot, from 0.</param>
    /// <returns>The output.</returns>
    public OutputSlot Output(int index) => new(Id, index);

    /// <summary>This node's output by name (<c>output_name</c> from <c>/object_info</c>, or its type when unique).</summary>
    /// <param name="name">The output name, e.g. <c>CLIP</c>.</param>
    /// <returns>The output.</returns>
    public OutputSlot Output(string name) => new(Id, name);

    /// <summary>Returns <c>id (class)</c>.</summary>
    public override string ToString() => $"{Id} ({ClassType})";

    private void Put(string input, object? value)
    {
        var at = _inputs.FindIndex(kv => kv.Key == input);
        if (at >= 0)
        {
            _inputs[at] = new(input, value);
        }
        else
        {
            _inputs.Add(new(input, value));
        }
    }
}
