using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Events;

/// <summary>
/// <c>executed</c>: a node produced UI output (SaveImage, PreviewImage, PreviewAny, ...). Cached output nodes
/// reached in a run send it too, in no fixed order, with their cached output or none.
/// </summary>
/// <param name="Node">The node that produced the output.</param>
/// <param name="DisplayNode">The submitted node id to highlight; null on old servers.</param>
/// <param name="Output">The node's UI output; null when the server sent <c>output: null</c> (a cached node without UI).</param>
/// <param name="PromptId">The prompt.</param>
public sealed record ExecutedEvent(string Node, string? DisplayNode, NodeOutput? Output, string? PromptId)
    : ComfyEvent(ComfyEventTypes.Executed, PromptId);
