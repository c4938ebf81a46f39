namespace ComfyUI.Reactive.Events;

/// <summary>
/// <c>execution_cached</c>: right after <c>execution_start</c>, the nodes whose outputs come from the cache.
/// Lists every cached node of the submitted prompt (even ones unrelated to the chosen outputs); may be empty.
/// </summary>
/// <param name="Nodes">The cached node ids.</param>
/// <param name="PromptId">The prompt.</param>
/// <param name="Timestamp">Server time in epoch milliseconds; null on old servers.</param>
public sealed record ExecutionCachedEvent(IReadOnlyList<string> Nodes, string? PromptId, long? Timestamp)
    : ComfyEvent(ComfyEventTypes.ExecutionCached, PromptId);
