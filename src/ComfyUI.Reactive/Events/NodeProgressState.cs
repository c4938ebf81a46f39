namespace ComfyUI.Reactive.Events;

/// <summary>One node's entry in <see cref="ProgressStateEvent.Nodes"/>.</summary>
/// <param name="Value">Progress done. A cached node shows 1 of 1.</param>
/// <param name="Max">Progress total.</param>
/// <param name="State">
/// <c>running</c> or <c>finished</c> (the enum also has <c>pending</c> and <c>error</c>, but the server never
/// sends an error state: a failed node stays <c>running</c>).
/// </param>
/// <param name="NodeId">The node id (may be an expansion id).</param>
/// <param name="PromptId">The prompt.</param>
/// <param name="DisplayNodeId">The submitted node id to highlight.</param>
/// <param name="ParentNodeId">The node that expanded into this one; null for submitted nodes.</param>
/// <param name="RealNodeId">The real node id.</param>
public sealed record NodeProgressState(
    double Value,
    double Max,
    string State,
    string NodeId,
    string? PromptId,
    string? DisplayNodeId,
    string? ParentNodeId,
    string? RealNodeId)
{
    /// <summary>The <see cref="State"/> of a node still running.</summary>
    public const string Running = "running";

    /// <summary>The <see cref="State"/> of a finished (or cached) node.</summary>
    public const string Finished = "finished";

    /// <summary>True when <see cref="State"/> is <c>finished</c>.</summary>
    public bool IsFinished => State == Finished;
}
