namespace ComfyUI.Reactive.Events;

/// <summary>
/// <c>progress_state</c>: the cumulative progress of every non-pending node of the running prompt, sent when a
/// node starts, on every tick and when it finishes.
/// </summary>
/// <param name="PromptId">The prompt.</param>
/// <param name="Nodes">Per node id, that node's progress. Cumulative: finished nodes stay in the set.</param>
public sealed record ProgressStateEvent(string? PromptId, IReadOnlyDictionary<string, NodeProgressState> Nodes)
    : ComfyEvent(ComfyEventTypes.ProgressState, PromptId);
