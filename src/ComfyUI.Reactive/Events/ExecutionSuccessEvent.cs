namespace ComfyUI.Reactive.Events;

/// <summary>
/// <c>execution_success</c>: every node of the prompt finished. The prompt's final <c>executing</c> (node null)
/// still follows.
/// </summary>
/// <param name="PromptId">The prompt.</param>
/// <param name="Timestamp">Server time in epoch milliseconds; null on old servers.</param>
public sealed record ExecutionSuccessEvent(string? PromptId, long? Timestamp)
    : ComfyEvent(ComfyEventTypes.ExecutionSuccess, PromptId);
