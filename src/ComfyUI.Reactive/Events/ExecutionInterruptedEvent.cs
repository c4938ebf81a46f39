namespace ComfyUI.Reactive.Events;

/// <summary><c>execution_interrupted</c>: the prompt was interrupted while <see cref="NodeId"/> was running.</summary>
/// <param name="PromptId">The prompt.</param>
/// <param name="NodeId">The node running when the interrupt was observed.</param>
/// <param name="NodeType">That node's <c>class_type</c>.</param>
/// <param name="Executed">The node ids completed before the interrupt.</param>
/// <param name="Timestamp">Server time in epoch milliseconds; null on old servers.</param>
public sealed record ExecutionInterruptedEvent(
    string? PromptId,
    string? NodeId,
    string? NodeType,
    IReadOnlyList<string> Executed,
    long? Timestamp)
    : ComfyEvent(ComfyEventTypes.ExecutionInterrupted, PromptId);
