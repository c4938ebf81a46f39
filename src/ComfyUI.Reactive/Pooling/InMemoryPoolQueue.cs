namespace ComfyUI.Reactive.Pooling;

/// <summary>
/// The in-process <see cref="IPoolQueue"/>: thread-safe (one lock), nothing persisted.
/// </summary>
/// <remarks>
/// Pending items are grouped by requirements key, then workflow hash; each group is a sorted set by (priority descending,
/// enqueue order). Capability and cooldown are properties of a whole group, so <see cref="Reserve"/> asks the filter once
/// per group and then looks at the group's head: O(G + log n) for G distinct groups, G being small in practice (the
/// number of different pipelines waiting). Items the server may not take (<see cref="IReservationFilter.MayTake"/>, i.e.
/// excluded after failing there) are stepped over, which only costs when many retried items wait. Dead-lettered items
/// are handed back to the caller of <see cref="Nack"/> and not retained.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is the pool's queue of waiting jobs, in the domain's own word.")]
public sealed class InMemoryPoolQueue : IPoolQueue
{
    private static readonly IComparer<Entry> GroupOrder = Comparer<Entry>.Create((a, b) =>
    {
        var byPriority = b.Item.Priority.CompareTo(a.Item.Priority);
        return byPriority != 0 ? byPriority : a.Sequence.CompareTo(b.Sequence);
    });

    private readonly Lock _lock = new();
    // Requirements key, then workflow hash. Nested rather than keyed by a tuple: a dictionary keyed by a tuple gets its
    // own compiled copy of the dictionary's code in every process, string keys share the framework's precompiled one.
    private readonly Dictionary<string, Dictionary<string, SortedSet<Entry>>> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry> _reserved = new(StringComparer.Ordinal);
    private long _sequence;

    /// <inheritdoc />
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <inheritdoc />
    public int ReservedCount
    {
        get
        {
            lock (_lock)
            {
                return _reserved.Count;
            }
        }
    }

    /// <inheritdoc />
    public void Enqueue(PoolWorkItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentException.ThrowIfNullOrEmpty(item.Id, nameof(item));
        lock (_lock)
        {
            if (_pending.ContainsKey(item.Id) || _reserved.ContainsKey(item.Id))
            {
                throw new ArgumentException($"The queue already holds an item with id '{item.Id}'.", nameof(item));
            }

            AddPending(new Entry(item, ++_sequence));
        }
    }

    /// <inheritdoc />
    public PoolWorkItem? Reserve(IReservationFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        lock (_lock)
        {
            Entry? best = null;
            var bestScarcity = 0;
            foreach (var (_, byHash) in _groups)
            {
                // Every group under one requirements key has the same capable servers: count them once.
                int? scarcity = null;
                foreach (var (hash, group) in byHash)
                {
                    var head = group.Min!;
                    if (best is not null && head.Item.Priority < best.Item.Priority)
                    {
                        // Nothing in this group can beat the best so far.
                        continue;
                    }

                    var requirements = head.Item.Requirements;
                    if (!filter.CanRun(requirements) || filter.IsCoolingDown(hash))
                    {
                        continue;
                    }

                    var candidate = FirstTakeable(group, filter);
                    if (candidate is null)
                    {
                        continue;
                    }

                    scarcity ??= filter.CapableServerCount(requirements);
                    if (best is null || IsBetter(candidate, scarcity.Value, best, bestScarcity))
                    {
                        best = candidate;
                        bestScarcity = scarcity.Value;
                    }
                }
            }

            if (best is null)
            {
                return null;
            }

            RemovePending(best);
            best.Item = best.Item with { Attempts = best.Item.Attempts + 1 };
            _reserved.Add(best.Item.Id, best);
            return best.Item;
        }
    }

    /// <inheritdoc />
    public bool Ack(string itemId)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        lock (_lock)
        {
            return _reserved.Remove(itemId);
        }
    }

    /// <inheritdoc />
    public NackResult Nack(string itemId, ServerId? failedOn, out PoolWorkItem? item)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        lock (_lock)
        {
            if (!_reserved.Remove(itemId, out var entry))
            {
                item = null;
                return NackResult.NotFound;
            }

            var excluded = entry.Item.ExcludedServers;
            if (failedOn is { } server && !excluded.Contains(server))
            {
                excluded = [.. excluded, server];
            }

            entry.Item = entry.Item with { ExcludedServers = excluded };
            item = entry.Item;
            if (entry.Item.Attempts >= entry.Item.MaxAttempts)
            {
                return NackResult.DeadLettered;
            }

            // Same sequence number: a retried item keeps its place instead of going to the back.
            AddPending(entry);
            return NackResult.Requeued;
        }
    }

    /// <inheritdoc />
    public PoolWorkItem? Release(string itemId)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        lock (_lock)
        {
            if (!_reserved.Remove(itemId, out var entry))
            {
                return null;
            }

            entry.Item = entry.Item with { Attempts = Math.Max(0, entry.Item.Attempts - 1) };
            AddPending(entry);
            return entry.Item;
        }
    }

    /// <inheritdoc />
    public PoolWorkItem? Remove(string itemId)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        lock (_lock)
        {
            if (_pending.TryGetValue(itemId, out var entry))
            {
                RemovePending(entry);
                return entry.Item;
            }

            return _reserved.Remove(itemId, out entry) ? entry.Item : null;
        }
    }

    private static Entry? FirstTakeable(SortedSet<Entry> group, IReservationFilter filter)
    {
        foreach (var entry in group)
        {
            if (filter.MayTake(entry.Item))
            {
                return entry;
            }
        }

        return null;
    }

    private static bool IsBetter(Entry candidate, int candidateScarcity, Entry best, int bestScarcity)
    {
        if (candidate.Item.Priority != best.Item.Priority)
        {
            return candidate.Item.Priority > best.Item.Priority;
        }

        return candidateScarcity != bestScarcity
            ? candidateScarcity < bestScarcity
            : candidate.Sequence < best.Sequence;
    }

    private void AddPending(Entry entry)
    {
        var requirementsKey = entry.Item.Requirements.Key;
        if (!_groups.TryGetValue(requirementsKey, out var byHash))
        {
            _groups[requirementsKey] = byHash = new Dictionary<string, SortedSet<Entry>>(StringComparer.Ordinal);
        }

        if (!byHash.TryGetValue(entry.Item.WorkflowHash, out var group))
        {
            byHash[entry.Item.WorkflowHash] = group = new SortedSet<Entry>(GroupOrder);
        }

        group.Add(entry);
        _pending.Add(entry.Item.Id, entry);
    }

    private void RemovePending(Entry entry)
    {
        var requirementsKey = entry.Item.Requirements.Key;
        var byHash = _groups[requirementsKey];
        var group = byHash[entry.Item.WorkflowHash];
        group.Remove(entry);
        if (group.Count == 0)
        {
            byHash.Remove(entry.Item.WorkflowHash);
            if (byHash.Count == 0)
            {
                _groups.Remove(requirementsKey);
            }
        }

        _pending.Remove(entry.Item.Id);
    }

    /// <summary>A queued item and its enqueue order; the item is replaced (records are immutable) as attempts pass.</summary>
    private sealed class Entry(PoolWorkItem item, long sequence)
    {
        public PoolWorkItem Item { get; set; } = item;

        public long Sequence { get; } = sequence;
    }
}
