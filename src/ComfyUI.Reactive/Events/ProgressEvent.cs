namespace ComfyUI.Reactive.Events;

/// <summary><c>progress</c>: a progress-bar tick of a running node (sampler steps and the like).</summary>
/// <param name="Value">Steps done; a double because nodes may report fractions.</param>
/// <param name="Max">Total steps; a double for the same reason.</param>
/// <param name="PromptId">The prompt; null on servers before 2024-01.</param>
/// <param name="Node">The node reporting; null on old servers and in odd cases.</param>
public sealed record ProgressEvent(double Value, double Max, string? PromptId, string? Node)
    : ComfyEvent(ComfyEventTypes.Progress, PromptId);
