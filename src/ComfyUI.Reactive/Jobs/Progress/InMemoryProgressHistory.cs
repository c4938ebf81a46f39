namespace ComfyUI.Reactive.Jobs.Progress;

/// <summary>
/// An <see cref="IProgressHistory"/> in memory: bounded to <c>capacity</c> workflows (the least recently used is
/// dropped), each node's cost an even blend of the previous estimate and the latest measurement, so one slow run (a
/// cold model load) moves the estimate but does not replace it. Thread-safe; lost when the process ends.
/// </summary>
public sealed class InMemoryProgressHistory : IProgressHistory
{
    private readonly int _capacity;
    private readonly Dictionary<string, LinkedListNode<Remembered>> _byHash = new(StringComparer.Ordinal);
    private readonly LinkedList<Remembered> _recency = new();
    private readonly Lock _gate = new();

    /// <summary>Creates an empty history.</summary>
    /// <param name="capacity">How many workflows to remember (default 256).</param>
    public InMemoryProgressHistory(int capacity = 256)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, NodeCost>? Find(string workflowHash)
    {
        ArgumentNullException.ThrowIfNull(workflowHash);
        lock (_gate)
        {
            if (!_byHash.TryGetValue(workflowHash, out var entry))
            {
                return null;
            }

            _recency.Remove(entry);
            _recency.AddFirst(entry);
            return new Dictionary<string, NodeCost>(entry.Value.Costs, StringComparer.Ordinal);   // a snapshot, safe to keep
        }
    }

    /// <inheritdoc />
    public void Record(string workflowHash, IReadOnlyDictionary<string, NodeCost> costs)
    {
        ArgumentNullException.ThrowIfNull(workflowHash);
        ArgumentNullException.ThrowIfNull(costs);
        lock (_gate)
        {
            if (_byHash.TryGetValue(workflowHash, out var entry))
            {
                _recency.Remove(entry);
            }
            else
            {
                entry = new LinkedListNode<Remembered>(new Remembered(workflowHash));
                _byHash[workflowHash] = entry;
            }

            _recency.AddFirst(entry);
            var known = entry.Value.Costs;
            foreach (var (node, measured) in costs)
            {
                known[node] = known.TryGetValue(node, out var previous) ? Blend(previous, measured) : measured;
            }

            while (_recency.Count > _capacity)
            {
                _byHash.Remove(_recency.Last!.Value.Hash);
                _recency.RemoveLast();
            }
        }
    }

    private static NodeCost Blend(NodeCost previous, NodeCost measured)
    {
        // Runs with different step counts are blended per step, then expressed at the latest run's count.
        if (previous.Steps > 0 && measured.Steps > 0)
        {
            var perStep = ((previous.Duration / previous.Steps) + (measured.Duration / measured.Steps)) / 2;
            return new NodeCost(perStep * measured.Steps, measured.Steps);
        }

        return new NodeCost((previous.Duration + measured.Duration) / 2, measured.Steps);
    }

    /// <summary>One workflow's costs. A class, not a tuple: a list of tuples gets its own compiled copy of the list's
    /// code in every process, a list of classes shares the framework's precompiled one.</summary>
    private sealed class Remembered(string hash)
    {
        public string Hash { get; } = hash;

        public Dictionary<string, NodeCost> Costs { get; } = new(StringComparer.Ordinal);
    }
}
