using System.Text.Json;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Jobs.Progress;

/// <summary>
/// What is known about a run's work before it starts: the nodes expected to run or come from the cache, the steps
/// their inputs ask for, and the costs learnt from earlier runs of the same workflow hash. Immutable, one per attempt;
/// <see cref="ProgressEstimate"/> weighs nodes with it.
/// </summary>
internal sealed class ProgressPlan
{
    private static readonly IReadOnlyDictionary<string, double> NoSteps = new Dictionary<string, double>();
    private readonly HashSet<string> _nodes;
    private readonly IReadOnlyDictionary<string, double> _expectedSteps;

    private ProgressPlan(HashSet<string> nodes, IReadOnlyDictionary<string, double> expectedSteps, IReadOnlyDictionary<string, NodeCost>? learnt)
    {
        _nodes = nodes;
        _expectedSteps = expectedSteps;
        if (learnt is { Count: > 0 })
        {
            Learnt = learnt;
            var durations = new double[learnt.Count];
            var i = 0;
            foreach (var cost in learnt.Values)
            {
                durations[i++] = cost.Duration.TotalSeconds;
            }

            Array.Sort(durations);
            FallbackSeconds = durations[durations.Length / 2];
        }
    }

    /// <summary>The nodes whose work counts.</summary>
    public IReadOnlyCollection<string> Nodes => _nodes;

    /// <summary>Learnt costs (node id → cost), or null: then nodes weigh their steps.</summary>
    public IReadOnlyDictionary<string, NodeCost>? Learnt { get; }

    /// <summary>What a node without a learnt cost weighs when others have one: the median learnt duration.</summary>
    public double FallbackSeconds { get; }

    /// <summary>A plan for <paramref name="nodes"/> with the given steps and learnt costs.</summary>
    public static ProgressPlan Create(
        IEnumerable<string> nodes, IReadOnlyDictionary<string, double>? expectedSteps, IReadOnlyDictionary<string, NodeCost>? learnt) =>
        new(new HashSet<string>(nodes, StringComparer.Ordinal), expectedSteps ?? NoSteps, learnt);

    /// <summary>A plan for a workflow: <paramref name="expected"/> (every node when null), steps read from its inputs.</summary>
    public static ProgressPlan For(Workflow workflow, IReadOnlyCollection<string>? expected, IReadOnlyDictionary<string, NodeCost>? learnt) =>
        Create(expected ?? workflow.NodeIds, StepsOf(workflow), learnt);

    public bool Contains(string node) => _nodes.Contains(node);

    public double ExpectedSteps(string node) => _expectedSteps.TryGetValue(node, out var steps) ? steps : 0;

    /// <summary>The <c>steps</c> input of every node that has a positive number there (KSampler and most samplers).</summary>
    public static IReadOnlyDictionary<string, double> StepsOf(Workflow workflow)
    {
        Dictionary<string, double>? steps = null;
        foreach (var (id, node) in workflow.NodeElements)
        {
            // Read from the parsed JSON: no path parsing or string building per node (this runs once per job).
            if (Workflow.InputsOf(node) is { } inputs && inputs.TryGetProperty("steps", out var value) &&
                value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var count) && count > 0)
            {
                (steps ??= new Dictionary<string, double>(StringComparer.Ordinal))[id] = count;
            }
        }

        return steps ?? NoSteps;
    }
}
