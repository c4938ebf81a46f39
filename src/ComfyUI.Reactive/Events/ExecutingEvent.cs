namespace ComfyUI.Reactive.Events;

/// <summary>
/// <c>executing</c>: a node is about to run, or, with <see cref="Node"/> null, the prompt is completely
/// finished (after <c>execution_success</c>/<c>execution_error</c>/<c>execution_interrupted</c> and after the
/// history was written), whatever the outcome.
/// </summary>
/// <param name="Node">
/// The node about to run (possibly an expansion id such as <c>5.0.0.1</c>); null when the prompt finished.
/// </param>
/// <param name="DisplayNode">The submitted node id to highlight; null on old servers and on the replayed frame.</param>
/// <param name="PromptId">
/// The prompt; null on the frame the server replays to a socket that reconnects during a run, which carries
/// only <c>node</c>.
/// </param>
public sealed record ExecutingEvent(string? Node, string? DisplayNode, string? PromptId)
    : ComfyEvent(ComfyEventTypes.Executing, PromptId)
{
    /// <summary>True when this is the final <c>executing</c> of a prompt (<see cref="Node"/> is null).</summary>
    public bool IsPromptFinished => Node is null;
}
