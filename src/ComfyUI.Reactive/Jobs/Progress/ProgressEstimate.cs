using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Jobs.Progress;

/// <summary>Where a node is in a run, for the progress estimate.</summary>
internal enum NodeRunStatus
{
    Pending,
    Running,
    Done,
    Cached,
}

/// <summary>One node of a run as the estimate sees it (plain data: part of the job's state).</summary>
/// <remarks>A class, not a struct: as the value of the estimate's <see cref="NodeMap{TValue}"/> a struct would make the
/// runtime compile that map's code again for it (each method up to three times, as tiering recompiles hot code), while
/// a reference type shares the code the package precompiles (see "Whole-process cost" in <c>docs/benchmarks.md</c>).</remarks>
internal sealed record NodeProgress
{
    /// <summary>A node not reached yet.</summary>
    public static readonly NodeProgress Pending = new();

    public NodeRunStatus Status { get; init; }

    public DateTime? StartedAt { get; init; }

    public TimeSpan? Duration { get; init; }

    public double Value { get; init; }

    public double Max { get; init; }
}

/// <summary>
/// The overall progress of a job weighted by the work each node does, and the time left, as pure data: every change
/// returns a new value, times are arguments. What the weights are is in <see cref="ProgressEstimator"/>'s remarks (the
/// public, mutable face of this value); the plan (<see cref="ProgressPlan"/>) says which nodes count and what is known
/// of them before the run.
/// </summary>
/// <remarks>A value inside the <see cref="JobState"/> struct that round-trips through JSON: only the nodes reached so far
/// are stored, so a change copies only their references.</remarks>
internal readonly record struct ProgressEstimate
{
    public static readonly ProgressEstimate Empty = new();

    private const double RunningShareCap = 0.9;

    /// <summary>Creates an empty estimate (the initializers below run; <c>default</c> would leave them null).</summary>
    public ProgressEstimate()
    {
    }

    /// <summary>The nodes reached so far (absent: pending).</summary>
    [JsonConverter(typeof(NodeMap<NodeProgress>.Converter))]
    public NodeMap<NodeProgress> Nodes { get; init; } = NodeMap<NodeProgress>.Empty;

    /// <summary>The node running now, if any.</summary>
    public string? Running { get; init; }

    /// <summary>When the run started (the first start, cached or executing frame).</summary>
    public DateTime? ExecutionStart { get; init; }

    /// <summary>Nodes finished or cached.</summary>
    public int DoneCount { get; init; }

    /// <summary>The estimate (monotonic); 1 only once <see cref="Completed"/>.</summary>
    public double Fraction { get; init; }

    /// <summary>The last fraction reported in a <see cref="JobProgress"/>.</summary>
    public double Reported { get; init; }

    public bool Completed { get; init; }

    /// <summary>Whether the estimate moved past what was last reported.</summary>
    public bool Advanced => Fraction > Reported + 1e-9;

    /// <summary>What each node that ran cost, for <see cref="IProgressHistory.Record"/> after a success.</summary>
    public IReadOnlyDictionary<string, NodeCost> MeasuredCosts
    {
        get
        {
            var costs = new Dictionary<string, NodeCost>(StringComparer.Ordinal);
            foreach (var (id, node) in Nodes)
            {
                if (node is { Status: NodeRunStatus.Done, Duration: { } duration })
                {
                    costs[id] = new NodeCost(duration, node.Max);
                }
            }

            return costs;
        }
    }

    public ProgressEstimate MarkReported() => Reported == Fraction ? this : this with { Reported = Fraction };

    public ProgressEstimate Started(DateTime now) => ExecutionStart is null ? this with { ExecutionStart = now } : this;

    public ProgressEstimate Cached(ProgressPlan plan, string node) =>
        plan.Contains(node) && Of(node).Status == NodeRunStatus.Pending
            ? this with { Nodes = Nodes.SetItem(node, new NodeProgress { Status = NodeRunStatus.Cached }), DoneCount = DoneCount + 1 }
            : this;

    /// <summary>A node starts; the node running before it is finished (servers without <c>progress_state</c> say so no
    /// other way).</summary>
    public ProgressEstimate NodeStarted(ProgressPlan plan, string node, DateTime now)
    {
        if (!plan.Contains(node) || Of(node).Status is NodeRunStatus.Done or NodeRunStatus.Cached)
        {
            return this;
        }

        var next = Running is { } previous && previous != node ? Finish(previous, now) : this;
        return next.Start(node, now);
    }

    /// <summary>Step progress of a node; its latest <paramref name="max"/> becomes its weight (without learnt costs).</summary>
    public ProgressEstimate Stepped(ProgressPlan plan, string node, double value, double max, DateTime now)
    {
        if (!plan.Contains(node) || max <= 0 || Of(node).Status is NodeRunStatus.Done or NodeRunStatus.Cached)
        {
            return this;
        }

        var next = Of(node).Status == NodeRunStatus.Pending ? Start(node, now) : this;
        return next with { Nodes = next.Nodes.SetItem(node, next.Of(node) with { Max = max, Value = Math.Clamp(value, 0, max) }) };
    }

    public ProgressEstimate NodeFinished(ProgressPlan plan, string node, DateTime now) =>
        plan.Contains(node) && Of(node).Status is NodeRunStatus.Pending or NodeRunStatus.Running ? Finish(node, now) : this;

    /// <summary>The job completed: the fraction is 1 and nothing remains.</summary>
    public ProgressEstimate CompletedAt(DateTime now)
    {
        var next = Running is { } running ? Finish(running, now) : this;
        return next with { Completed = true, Fraction = 1 };
    }

    /// <summary>The fraction brought up to date: done work over all work, never decreasing, below 1 until completed.</summary>
    public ProgressEstimate Recomputed(ProgressPlan plan, DateTime now)
    {
        if (Completed)
        {
            return this;
        }

        var (done, total) = Work(plan, now);
        if (total <= 0)
        {
            return this;
        }

        // Estimates can overshoot (work the plan did not expect); never report done before the end.
        var fraction = Math.Max(Fraction, Math.Min(0.999, done / total));
        return fraction == Fraction ? this : this with { Fraction = fraction };
    }

    /// <summary>The time left, or null while nothing has been measured (and nothing learnt); zero when completed.</summary>
    public TimeSpan? Remaining(ProgressPlan plan, DateTime now)
    {
        if (Completed)
        {
            return TimeSpan.Zero;
        }

        var secondsPerUnit = SecondsPerUnit(plan, now);
        double seconds = 0;
        foreach (var id in plan.Nodes)
        {
            var node = Of(id);
            if (node.Status is NodeRunStatus.Done or NodeRunStatus.Cached)
            {
                continue;
            }

            if (node is { Status: NodeRunStatus.Running, Value: > 0, Max: > 0, StartedAt: { } started })
            {
                // The running node's own step rate beats any global rate.
                seconds += (node.Max - node.Value) * ((now - started).TotalSeconds / node.Value);
                continue;
            }

            if (secondsPerUnit is not { } rate)
            {
                return null;
            }

            seconds += Weight(plan, id, node) * (1 - RunningShare(plan, id, node, now)) * rate;
        }

        return TimeSpan.FromSeconds(Math.Max(0, seconds));
    }

    private NodeProgress Of(string node) => Nodes.TryGetValue(node, out var progress) ? progress : NodeProgress.Pending;

    private ProgressEstimate Start(string node, DateTime now)
    {
        var progress = Of(node);
        return this with
        {
            ExecutionStart = ExecutionStart ?? now,
            Running = node,
            Nodes = Nodes.SetItem(node, progress with { Status = NodeRunStatus.Running, StartedAt = progress.StartedAt ?? now }),
        };
    }

    private ProgressEstimate Finish(string node, DateTime now)
    {
        var progress = Of(node);
        var finished = progress with { Status = NodeRunStatus.Done, Duration = progress.StartedAt is { } started ? now - started : null };
        return this with { Nodes = Nodes.SetItem(node, finished), Running = Running == node ? null : Running, DoneCount = DoneCount + 1 };
    }

    private (double Done, double Total) Work(ProgressPlan plan, DateTime now)
    {
        double done = 0, total = 0;
        foreach (var id in plan.Nodes)
        {
            var node = Of(id);
            if (node.Status == NodeRunStatus.Cached)
            {
                continue;   // no work this time
            }

            var weight = Weight(plan, id, node);
            total += weight;
            done += node.Status == NodeRunStatus.Done ? weight : weight * RunningShare(plan, id, node, now);
        }

        return (done, total);
    }

    /// <summary>A node's work: learnt seconds when a history is known, else steps (one for a node without any).</summary>
    private static double Weight(ProgressPlan plan, string id, NodeProgress node)
    {
        var steps = node.Max > 0 ? node.Max : plan.ExpectedSteps(id);
        if (plan.Learnt is not { } learnt)
        {
            return steps > 0 ? steps : 1;
        }

        if (!learnt.TryGetValue(id, out var cost))
        {
            return Math.Max(plan.FallbackSeconds, 1e-3);
        }

        // The workflow hash ignores widget values such as steps: scale a learnt duration to this run's steps.
        var seconds = cost.Steps > 0 && steps > 0 ? cost.Duration.TotalSeconds * steps / cost.Steps : cost.Duration.TotalSeconds;
        return Math.Max(seconds, 1e-3);   // a node learnt as instant still counts, or the total could be zero
    }

    private static double RunningShare(ProgressPlan plan, string id, NodeProgress node, DateTime now)
    {
        if (node.Status != NodeRunStatus.Running)
        {
            return 0;
        }

        if (node.Max > 0)
        {
            return node.Value / node.Max;
        }

        // With a learnt duration, a node without steps advances with its elapsed time, short of its end.
        return plan.Learnt is not null && node.StartedAt is { } started
            ? Math.Min(RunningShareCap, (now - started).TotalSeconds / Weight(plan, id, node))
            : 0;
    }

    /// <summary>Seconds per unit of work for the nodes not measured yet; null when nothing says it yet.</summary>
    private double? SecondsPerUnit(ProgressPlan plan, DateTime now)
    {
        if (plan.Learnt is not null)
        {
            // Units are learnt seconds; scale them by how this run's finished nodes compared with what was learnt.
            double actual = 0, expected = 0;
            foreach (var (id, node) in Nodes)
            {
                if (node is { Status: NodeRunStatus.Done, Duration: { } duration } && plan.Contains(id))
                {
                    actual += duration.TotalSeconds;
                    expected += Weight(plan, id, node);
                }
            }

            return expected > 0 && actual > 0 ? actual / expected : 1;
        }

        if (ExecutionStart is not { } start)
        {
            return null;
        }

        var (done, _) = Work(plan, now);
        var elapsed = (now - start).TotalSeconds;
        return done > 0 && elapsed > 0 ? elapsed / done : null;
    }
}
