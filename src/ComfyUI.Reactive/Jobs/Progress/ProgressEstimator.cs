using System.Reactive.Concurrency;
using System.Text.Json;
using System.Text.Json.Nodes;
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
/// <para>Not thread-safe: one instance per job, called from the job's serialised event path.</para>
/// </remarks>
public sealed class ProgressEstimator
{
    private const double RunningShareCap = 0.9;
    private readonly IScheduler _scheduler;
    private readonly Dictionary<string, NodeState> _nodes = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, NodeCost>? _learnt;
    private readonly double _fallbackSeconds;
    private NodeState? _running;
    private DateTimeOffset? _executionStart;
    private double _fraction;
    private bool _completed;

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
        foreach (var id in nodeIds)
        {
            _nodes[id] = new NodeState(id, expectedSteps is not null && expectedSteps.TryGetValue(id, out var steps) && steps > 0 ? steps : 0);
        }

        if (learnt is { Count: > 0 })
        {
            _learnt = learnt;
            var durations = learnt.Values.Select(c => c.Duration.TotalSeconds).Order().ToArray();
            _fallbackSeconds = durations[durations.Length / 2];
        }
    }

    /// <summary>The whole job, 0..1, never decreasing; 1 only after <see cref="OnCompleted"/>. Read it after each event.</summary>
    public double Fraction
    {
        get
        {
            if (_completed)
            {
                return 1;
            }

            var (done, total) = Work();
            if (total > 0)
            {
                _fraction = Math.Max(_fraction, Math.Min(0.999, done / total));
            }

            return _fraction;
        }
    }

    /// <summary>The estimated time left, or null while nothing has been measured (and nothing learnt); zero when completed.</summary>
    public TimeSpan? EstimatedRemaining
    {
        get
        {
            if (_completed)
            {
                return TimeSpan.Zero;
            }

            var secondsPerUnit = SecondsPerUnit();
            double seconds = 0;
            foreach (var node in _nodes.Values)
            {
                if (node.Status is NodeStatus.Done or NodeStatus.Cached)
                {
                    continue;
                }

                if (node.Status == NodeStatus.Running && node.Value > 0 && node.Max > 0 && Elapsed(node) is { } elapsed)
                {
                    // The running node's own step rate beats any global rate.
                    seconds += (node.Max - node.Value) * (elapsed.TotalSeconds / node.Value);
                    continue;
                }

                if (secondsPerUnit is not { } rate)
                {
                    return null;
                }

                seconds += Weight(node) * (1 - RunningShare(node)) * rate;
            }

            return TimeSpan.FromSeconds(Math.Max(0, seconds));
        }
    }

    /// <summary>What each node that ran cost in this run, for <see cref="IProgressHistory.Record"/> after a success.
    /// Cached nodes and nodes never seen running are absent.</summary>
    public IReadOnlyDictionary<string, NodeCost> MeasuredCosts =>
        _nodes.Values.Where(n => n.Status == NodeStatus.Done && n.Duration is not null)
            .ToDictionary(n => n.Id, n => new NodeCost(n.Duration!.Value, n.Max), StringComparer.Ordinal);

    /// <summary>The steps each node of <paramref name="workflow"/> is set to run: its <c>steps</c> input when that is a
    /// number (KSampler and most samplers), for the weights before the node reports its own.</summary>
    /// <param name="workflow">The workflow.</param>
    /// <returns>Node id → steps, only for nodes with a numeric <c>steps</c> input.</returns>
    public static IReadOnlyDictionary<string, double> ExpectedSteps(Workflow workflow)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var steps = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var id in workflow.NodeIds)
        {
            if (workflow.Get($"{id}.inputs.steps") is JsonValue value && value.GetValueKind() == JsonValueKind.Number &&
                value.GetValue<double>() is > 0 and var count)
            {
                steps[id] = count;
            }
        }

        return steps;
    }

    /// <summary>The server started the prompt (<c>execution_start</c>): the run's clock starts.</summary>
    public void OnStarted() => _executionStart ??= _scheduler.Now;

    /// <summary>Nodes come from the cache (<c>execution_cached</c>): they weigh nothing. Unknown ids are ignored.</summary>
    /// <param name="nodeIds">The cached nodes.</param>
    public void OnCached(IEnumerable<string> nodeIds)
    {
        ArgumentNullException.ThrowIfNull(nodeIds);
        foreach (var id in nodeIds)
        {
            if (_nodes.TryGetValue(id, out var node) && node.Status == NodeStatus.Pending)
            {
                node.Status = NodeStatus.Cached;
            }
        }
    }

    /// <summary>A node starts (<c>executing</c>); the node that ran before it is finished (servers without
    /// <c>progress_state</c> say so no other way). Ids not passed to the constructor (expansion ids) are ignored.</summary>
    /// <param name="nodeId">The node.</param>
    public void OnNodeStarted(string nodeId)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        if (!_nodes.TryGetValue(nodeId, out var node) || node.Status is NodeStatus.Done or NodeStatus.Cached)
        {
            return;
        }

        if (_running is { } previous && previous != node)
        {
            Finish(previous);
        }

        Start(node);
    }

    /// <summary>Step progress of a node (<c>progress</c>, or one node of <c>progress_state</c>).</summary>
    /// <param name="nodeId">The node.</param>
    /// <param name="value">Steps done.</param>
    /// <param name="max">Total steps; its latest value becomes the node's weight (without learnt costs).</param>
    public void OnProgress(string nodeId, double value, double max)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        if (!_nodes.TryGetValue(nodeId, out var node) || node.Status is NodeStatus.Done or NodeStatus.Cached || max <= 0)
        {
            return;
        }

        if (node.Status == NodeStatus.Pending)
        {
            Start(node);
        }

        node.Max = max;
        node.Value = Math.Clamp(value, 0, max);
    }

    /// <summary>A node finished (<c>executed</c>, or finished in <c>progress_state</c>).</summary>
    /// <param name="nodeId">The node.</param>
    public void OnNodeFinished(string nodeId)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        if (_nodes.TryGetValue(nodeId, out var node) && node.Status is NodeStatus.Pending or NodeStatus.Running)
        {
            Finish(node);
        }
    }

    /// <summary>The job completed: <see cref="Fraction"/> is 1 and <see cref="EstimatedRemaining"/> zero from now on.</summary>
    public void OnCompleted()
    {
        if (_running is { } running)
        {
            Finish(running);
        }

        _completed = true;
    }

    private void Start(NodeState node)
    {
        _executionStart ??= _scheduler.Now;
        node.Status = NodeStatus.Running;
        node.StartedAt ??= _scheduler.Now;
        _running = node;
    }

    private void Finish(NodeState node)
    {
        if (node.StartedAt is { } started)
        {
            node.Duration = _scheduler.Now - started;
        }

        node.Status = NodeStatus.Done;
        if (_running == node)
        {
            _running = null;
        }
    }

    private (double Done, double Total) Work()
    {
        double done = 0, total = 0;
        foreach (var node in _nodes.Values)
        {
            if (node.Status == NodeStatus.Cached)
            {
                continue;
            }

            var weight = Weight(node);
            total += weight;
            done += node.Status == NodeStatus.Done ? weight : weight * RunningShare(node);
        }

        return (done, total);
    }

    /// <summary>A node's work: learnt seconds when a history is known, else steps (one for a node without any).</summary>
    private double Weight(NodeState node)
    {
        var steps = node.Max > 0 ? node.Max : node.ExpectedSteps;
        if (_learnt is null)
        {
            return steps > 0 ? steps : 1;
        }

        if (!_learnt.TryGetValue(node.Id, out var cost))
        {
            return Math.Max(_fallbackSeconds, 1e-3);
        }

        var seconds = cost.Steps > 0 && steps > 0 ? cost.Duration.TotalSeconds * steps / cost.Steps : cost.Duration.TotalSeconds;
        return Math.Max(seconds, 1e-3);   // a node learnt as instant still counts, or the total could be zero
    }

    private double RunningShare(NodeState node)
    {
        if (node.Status != NodeStatus.Running)
        {
            return 0;
        }

        if (node.Max > 0)
        {
            return node.Value / node.Max;
        }

        // With a learnt duration, a node without steps advances with its elapsed time, short of its end.
        return _learnt is not null && Elapsed(node) is { } elapsed
            ? Math.Min(RunningShareCap, elapsed.TotalSeconds / Weight(node))
            : 0;
    }

    /// <summary>Seconds per unit of work for the nodes not measured yet; null when nothing says it yet.</summary>
    private double? SecondsPerUnit()
    {
        if (_learnt is not null)
        {
            // Units are learnt seconds; scale them by how this run's finished nodes compared with what was learnt.
            double actual = 0, expected = 0;
            foreach (var node in _nodes.Values)
            {
                if (node.Status == NodeStatus.Done && node.Duration is { } duration)
                {
                    actual += duration.TotalSeconds;
                    expected += Weight(node);
                }
            }

            return expected > 0 && actual > 0 ? actual / expected : 1;
        }

        if (_executionStart is not { } start)
        {
            return null;
        }

        var (done, _) = Work();
        var elapsed = (_scheduler.Now - start).TotalSeconds;
        return done > 0 && elapsed > 0 ? elapsed / done : null;
    }

    private TimeSpan? Elapsed(NodeState node) => node.StartedAt is { } started ? _scheduler.Now - started : null;

    private enum NodeStatus
    {
        Pending,
        Running,
        Done,
        Cached,
    }

    private sealed class NodeState(string id, double expectedSteps)
    {
        public string Id { get; } = id;

        public double ExpectedSteps { get; } = expectedSteps;

        public NodeStatus Status { get; set; }

        public DateTimeOffset? StartedAt { get; set; }

        public TimeSpan? Duration { get; set; }

        public double Value { get; set; }

        public double Max { get; set; }
    }
}
