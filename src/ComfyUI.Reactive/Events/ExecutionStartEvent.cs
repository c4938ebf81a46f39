namespace ComfyUI.Reactive.Events;

/// <summary><c>execution_start</c>: a worker began running a prompt.</summary>
/// <param name="PromptId">The prompt that started.</param>
/// <param name="Timestamp">Server time in epoch milliseconds; null on servers before 2024-07.</param>
public sealed record ExecutionStartEvent(string? PromptId, long? Timestamp)
    : ComfyEvent(ComfyEventTypes.ExecutionStart, PromptId);
