namespace ComfyUI.Reactive.Workflows;

/// <summary>How many nodes a lookup by title or class type may hit.</summary>
public enum NodeMatch
{
    /// <summary>Exactly one node must match; several are an error (<see cref="ComfyWorkflowException.CandidateNodeIds"/> lists them).</summary>
    ExactlyOne,

    /// <summary>Every matching node is changed; at least one must match.</summary>
    All,
}
