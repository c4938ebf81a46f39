namespace ComfyUI.Reactive.Events;

/// <summary>
/// Binary type 3: status text of a node (API nodes, GetImageSize, ...). Broadcast to every socket; on current
/// servers it carries no prompt id, so attribute it by <see cref="NodeId"/> and context.
/// </summary>
/// <param name="NodeId">The node's id (submitted or expansion id).</param>
/// <param name="Text">The text.</param>
/// <param name="PromptId">
/// The prompt, only in the variant a server announces with <c>supports_progress_text_metadata</c>; else null.
/// </param>
public sealed record ProgressTextEvent(string NodeId, string Text, string? PromptId)
    : ComfyEvent(ComfyEventTypes.ProgressText, PromptId);
