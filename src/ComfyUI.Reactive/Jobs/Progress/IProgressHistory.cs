namespace ComfyUI.Reactive.Jobs.Progress;

/// <summary>What one node cost in a finished run: how long it ran and how many steps it reported.</summary>
/// <param name="Duration">From the node's start to its end, on the job's scheduler clock.</param>
/// <param name="Steps">The steps the node reported (<c>max</c> of its progress), or 0 when it reported none. Lets a
/// later run with another step count scale the duration (the workflow hash ignores widget values such as steps).</param>
/// <remarks>A class so that dictionaries of costs share the runtime's compiled code for reference-typed values instead of
/// compiling their own copy at a job's first completion.</remarks>
public sealed record NodeCost(TimeSpan Duration, double Steps);

/// <summary>
/// Learnt per-node costs of earlier runs, keyed by <see cref="Workflows.Workflow.Hash"/>: the estimator weights nodes
/// by them and derives its remaining time from them. Implementations must be thread-safe (jobs finish concurrently)
/// and fast: <see cref="Record"/> runs on the job's completion path, so a slow store should queue its writes. Exceptions
/// are logged and cost only the weighting, never the job.
/// </summary>
public interface IProgressHistory
{
    /// <summary>The learnt costs of the workflow's nodes (node id → cost), or null when nothing is known yet.</summary>
    /// <param name="workflowHash">The workflow's structural hash.</param>
    /// <returns>The costs, or null.</returns>
    IReadOnlyDictionary<string, NodeCost>? Find(string workflowHash);

    /// <summary>Records the costs measured in one successful run (<see cref="ProgressEstimator.MeasuredCosts"/>).</summary>
    /// <param name="workflowHash">The workflow's structural hash.</param>
    /// <param name="costs">The nodes that ran (cached nodes are absent: they cost nothing this time).</param>
    void Record(string workflowHash, IReadOnlyDictionary<string, NodeCost> costs);
}
