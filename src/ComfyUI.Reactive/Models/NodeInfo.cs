using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>
/// One node class from <c>/object_info</c> (PROTOCOL.md §2.9): its inputs, outputs and descriptive fields.
/// Every key is optional on the wire; absent lists are empty, absent flags false, absent texts null.
/// </summary>
public sealed class NodeInfo
{
    private static readonly IReadOnlyList<string> NoStrings = [];

    /// <summary>The class name, the value of <c>class_type</c> in a workflow.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>The name the UI shows; null for many nodes.</summary>
    [JsonPropertyName("display_name")]
    public string? DisplayName { get; init; }

    /// <summary>The node's description; often empty.</summary>
    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary>The menu category, e.g. <c>image/upscaling</c>.</summary>
    [JsonPropertyName("category")]
    public string? Category { get; init; }

    /// <summary>The Python module that defines the node, e.g. <c>nodes</c>, <c>comfy_extras.nodes_x</c>, <c>custom_nodes.Pack</c>.</summary>
    [JsonPropertyName("python_module")]
    public string? PythonModule { get; init; }

    /// <summary>The inputs by group (required, optional, hidden).</summary>
    [JsonPropertyName("input")]
    public NodeInputs Input { get; init => field = value ?? new(); } = new();

    /// <summary>The input names per group in the node's declared order.</summary>
    [JsonPropertyName("input_order")]
    public NodeInputOrder InputOrder { get; init => field = value ?? new(); } = new();

    /// <summary>The output types in slot order, e.g. <c>["MODEL", "CLIP", "VAE"]</c>.</summary>
    [JsonPropertyName("output")]
    [JsonConverter(typeof(FlexibleStringListJsonConverter))]
    public IReadOnlyList<string> Output { get; init => field = value ?? NoStrings; } = NoStrings;

    /// <summary>Per output slot: whether it produces a list.</summary>
    [JsonPropertyName("output_is_list")]
    public IReadOnlyList<bool> OutputIsList { get; init => field = value ?? []; } = [];

    /// <summary>The output names in slot order.</summary>
    [JsonPropertyName("output_name")]
    [JsonConverter(typeof(FlexibleStringListJsonConverter))]
    public IReadOnlyList<string> OutputName { get; init => field = value ?? NoStrings; } = NoStrings;

    /// <summary>Per output slot: its tooltip, or null. Empty when the node defines none.</summary>
    [JsonPropertyName("output_tooltips")]
    public IReadOnlyList<string?> OutputTooltips { get; init => field = value ?? []; } = [];

    /// <summary>True for output nodes, the only nodes that can be execution roots.</summary>
    [JsonPropertyName("output_node")]
    public bool OutputNode { get; init; }

    /// <summary>True when the node is deprecated.</summary>
    [JsonPropertyName("deprecated")]
    public bool Deprecated { get; init; }

    /// <summary>True when the node is experimental.</summary>
    [JsonPropertyName("experimental")]
    public bool Experimental { get; init; }

    /// <summary>True for developer-only nodes (servers since 2026).</summary>
    [JsonPropertyName("dev_only")]
    public bool DevOnly { get; init; }

    /// <summary>True for API nodes that call a paid remote service.</summary>
    [JsonPropertyName("api_node")]
    public bool ApiNode { get; init; }

    /// <summary>True when the node takes its inputs as whole lists (servers since 2026).</summary>
    [JsonPropertyName("is_input_list")]
    public bool IsInputList { get; init; }

    /// <summary>True when the node has output that is useful before the run ends (servers since 2026).</summary>
    [JsonPropertyName("has_intermediate_output")]
    public bool HasIntermediateOutput { get; init; }

    /// <summary>Other names the node can be found by (servers since 2026).</summary>
    [JsonPropertyName("search_aliases")]
    [JsonConverter(typeof(FlexibleStringListJsonConverter))]
    public IReadOnlyList<string> SearchAliases { get; init => field = value ?? NoStrings; } = NoStrings;

    /// <summary>The category in the essentials view, or null (servers since 2026).</summary>
    [JsonPropertyName("essentials_category")]
    public string? EssentialsCategory { get; init; }
}

/// <summary>The <c>input</c> object of a node: input name → spec, per group.</summary>
public sealed class NodeInputs
{
    private static readonly IReadOnlyDictionary<string, InputSpec> None = new Dictionary<string, InputSpec>();

    /// <summary>Inputs a workflow must supply.</summary>
    [JsonPropertyName("required")]
    public IReadOnlyDictionary<string, InputSpec> Required { get; init => field = value ?? None; } = None;

    /// <summary>Inputs a workflow may supply.</summary>
    [JsonPropertyName("optional")]
    public IReadOnlyDictionary<string, InputSpec> Optional { get; init => field = value ?? None; } = None;

    /// <summary>Inputs the server fills in itself (<c>PROMPT</c>, <c>UNIQUE_ID</c>, <c>EXTRA_PNGINFO</c>, ...); never send them.</summary>
    [JsonPropertyName("hidden")]
    public IReadOnlyDictionary<string, InputSpec> Hidden { get; init => field = value ?? None; } = None;

    /// <summary>Finds an input by name in the required, then optional, then hidden group.</summary>
    /// <param name="name">The input name.</param>
    /// <returns>The spec, or null when the node has no such input.</returns>
    public InputSpec? Find(string name) =>
        Required.TryGetValue(name, out var spec) || Optional.TryGetValue(name, out spec) || Hidden.TryGetValue(name, out spec)
            ? spec
            : null;
}

/// <summary>The <c>input_order</c> object of a node: input names per group in declared order.</summary>
public sealed class NodeInputOrder
{
    /// <summary>Required input names in order.</summary>
    [JsonPropertyName("required")]
    public IReadOnlyList<string> Required { get; init => field = value ?? []; } = [];

    /// <summary>Optional input names in order.</summary>
    [JsonPropertyName("optional")]
    public IReadOnlyList<string> Optional { get; init => field = value ?? []; } = [];

    /// <summary>Hidden input names in order.</summary>
    [JsonPropertyName("hidden")]
    public IReadOnlyList<string> Hidden { get; init => field = value ?? []; } = [];
}
