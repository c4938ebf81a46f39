using System.Reactive.Concurrency;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Jobs.Progress;

/// <summary>
/// The overall progress of one job weighted by the work each node does, and an estimate of the time left. Pure: it
/// is fed the job's events and reads only the scheduler's clock; it sends nothing and holds no timers.
/// </summary>
/// <remarks>
/// <para><b>Weights.</b> With learnt costs (from an <see cref="IProgressHistory"/>, by workflow hash) a node weighs its
/// learnt duration, scaled by this run's steps when both are known; a node the history has no cost for weighs the
/// median learnt duration. Without them, a node weighs its steps (reported <c>max</c>, else the expected steps passed in,
/// e.g. <see cref="ExpectedSteps"/>) and every other node weighs one step. Cached nodes weigh nothing: they do no work.</para>
/// <para><b>Fraction</b> is done work over all work, the running node by its steps (with learnt costs and no steps, by
/// its elapsed share of its learnt duration, at most 90 %). It never decreases: when a node's steps first become known
/// and the total grows, the fraction holds until the work catches up. It stays below 1 until <see cref="OnCompleted"/>.</para>
/// <para><b>Remaining time</b>: the running node's steps left at its own measured step rate, plus the rest of the work at
/// this run's rate: with learnt costs, learnt seconds times how much slower or faster this run's finished nodes were
/// than learnt; without, the elapsed execution time per unit of work done so far. Null until it can be measured.</para>
/// <para>Every job's <see cref="JobProgress"/> is computed this way (the job machine holds the same estimate as plain
/// data); use this class to run the estimate beside your own streams. Not thread-safe: one instance per run.</para>
/// </remarks>
public sealed class ProgressEstimator
{
    private readonly IScheduler _scheduler;
    private readonly ProgressPlan _plan;
    private ProgressEstimate _estimate = ProgressEstimate.Empty;

    /// <summary>Creates the estimator for one run.</summary>
    /// <param name="nodeIds">The nodes expected to run or come from the cache (e.g. the output nodes' upstream closure).</param>
    /// <param name="scheduler">The job's scheduler: its clock times nodes and the run.</param>
    /// <param name="expectedSteps">Steps known before the run (node id → steps), e.g. <see cref="ExpectedSteps"/>; null for none.</param>
    /// <param name="learnt">Costs learnt from earlier runs of the same workflow hash (<see cref="IProgressHistory.Find"/>); null for none.</param>
    public ProgressEstimator(
        IEnumerable<string> nodeIds,
        IScheduler scheduler,
        IReadOnlyDictionary<string, double>? expectedSteps = null,
        IReadOnlyDictionary<string, NodeCost>? learnt = null)
    {
        ArgumentNullException.ThrowIfNull(nodeIds);
        ArgumentNullException.ThrowIfNull(scheduler);
        _scheduler = scheduler;
        _plan = ProgressPlan.Create(nodeIds, expectedSteps, learnt);
    }

    /// <summary>The whole job, 0..1, never decreasing; 1 only after <see cref="OnCompleted"/>. Read it after each event.</summary>
    public double Fraction => (_estimate = _estimate.Recomputed(_plan, Now)).Fraction;

    /// <summary>The estimated time left, or null while nothing has been measured (and nothing learnt); zero when completed.</summary>
    public TimeSpan? EstimatedRemaining => _estimate.Remaining(_plan, Now);

    /// <summary>What each node that ran cost in this run, for <see cref="IProgressHistory.Record"/> after a success.
    /// Cached nodes and nodes never seen running are absent.</summary>
    public IReadOnlyDictionary<string, NodeCost> MeasuredCosts => _estimate.MeasuredCosts;

    private DateTime Now => _scheduler.Now.UtcDateTime;

    /// <summary>The steps each node of <paramref name="workflow"/> is set to run: its <c>steps</c> input when that is a
    /// number (KSampler and most samplers), for the weights before the node reports its own.</summary>
    /// <param name="workflow">The workflow.</param>
    /// <returns>Node id → steps, only for nodes with a numeric <c>steps</c> input.</returns>
    public static IReadOnlyDictionary<string, double> ExpectedSteps(Workflow workflow)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        return ProgressPlan.StepsOf(workflow);
    }

    /// <summary>The server started the prompt (<c>execution_start</c>): the run's clock starts.</summary>
    public void OnStarted() => _estimate = _estimate.Started(Now);

    /// <summary>Nodes come from the cache (<c>execution_cached</c>): they weigh nothing. Unknown ids are ignored.</summary>
    /// <param name="nodeIds">The cached nodes.</param>
    public void OnCached(IEnumerable<string> nodeIds)
    {
        ArgumentNullException.ThrowIfNull(nodeIds);
        foreach (var id in nodeIds)
        {
            _estimate = _estimate.Cached(_plan, id);
        }
    }

    /// <summary>A node starts (<c>executing</c>); the node that ran before it is finished (servers without
    /// <c>progress_state</c> say so no other way). Ids not passed to the constructor (expansion ids) are ignored.</summary>
    /// <param name="nodeId">The node.</param>
    public void OnNodeStarted(string nodeId)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        _estimate = _estimate.NodeStarted(_plan, nodeId, Now);
    }

    /// <summary>Step progress of a node (<c>progress</c>, or one node of <c>progress_state</c>).</summary>
    /// <param name="nodeId">The node.</param>
    /// <param name="value">Steps done.</param>
    /// <param name="max">Total steps; its latest value becomes the node's weight (without learnt costs).</param>
    public void OnProgress(string nodeId, double value, double max)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        _estimate = _estimate.Stepped(_plan, nodeId, value, max, Now);
    }

    /// <summary>A node finished (<c>executed</c>, or finished in <c>progress_state</c>).</summary>
    /// <param name="nodeId">The node.</param>
    public void OnNodeFinished(string nodeId)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        _estimate = _estimate.NodeFinished(_plan, nodeId, Now);
    }

    /// <summary>The job completed: <see cref="Fraction"/> is 1 and <see cref="EstimatedRemaining"/> zero from now on.</summary>
    public void OnCompleted() => _estimate = _estimate.CompletedAt(Now);
}
