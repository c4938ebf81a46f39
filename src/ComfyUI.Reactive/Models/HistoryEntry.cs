using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>
/// One finished prompt from <c>/history</c> (PROTOCOL.md §2.7): what was run, the UI outputs per node, and how it ended.
/// Only finished prompts (success, error or interrupt) have an entry; queued and running ones do not.
/// </summary>
public sealed class HistoryEntry
{
    private static readonly IReadOnlyDictionary<string, NodeOutput> NoOutputs = new Dictionary<string, NodeOutput>();
    private static readonly IReadOnlyDictionary<string, NodeMeta> NoMeta = new Dictionary<string, NodeMeta>();

    /// <summary>The prompt as it was queued (the same 5-element tuple as a queue item).</summary>
    [JsonPropertyName("prompt")]
    public QueueItem? Prompt { get; init; }

    /// <summary>Node id → the node's UI output (images, text, ...). Cached nodes are included when the prompt had a
    /// <c>client_id</c>; a fully cached run submitted without one has no outputs.</summary>
    [JsonPropertyName("outputs")]
    public IReadOnlyDictionary<string, NodeOutput> Outputs { get; init => field = value ?? NoOutputs; } = NoOutputs;

    /// <summary>How the prompt ended; null on servers older than 2024.</summary>
    [JsonPropertyName("status")]
    public HistoryStatus? Status { get; init; }

    /// <summary>Per output node: which submitted node it maps back to (keys match <see cref="Outputs"/>).</summary>
    [JsonPropertyName("meta")]
    public IReadOnlyDictionary<string, NodeMeta> Meta { get; init => field = value ?? NoMeta; } = NoMeta;

    /// <summary>The prompt id (from <see cref="Prompt"/>), or empty when the server sent no prompt tuple.</summary>
    [JsonIgnore]
    public string PromptId => Prompt?.PromptId ?? string.Empty;
}

/// <summary>Maps a node that produced output back to the submitted graph (<c>history[id].meta[node]</c>).</summary>
public sealed class NodeMeta
{
    /// <summary>The id the node ran under (may be an ephemeral id of an expanded subgraph).</summary>
    [JsonPropertyName("node_id")]
    public string? NodeId { get; init; }

    /// <summary>The node the UI should show the output on.</summary>
    [JsonPropertyName("display_node")]
    public string? DisplayNode { get; init; }

    /// <summary>The parent node of an expanded node, or null.</summary>
    [JsonPropertyName("parent_node")]
    public string? ParentNode { get; init; }

    /// <summary>The submitted node this output belongs to.</summary>
    [JsonPropertyName("real_node_id")]
    public string? RealNodeId { get; init; }
}
