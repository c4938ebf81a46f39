namespace ComfyUI.Reactive.Emulator.Execution;

/// <summary>
/// ComfyUI's PromptQueue: a priority queue by <c>number</c> (lower first, FIFO among equals), at most one running
/// item, and the counter that numbers new prompts. Every change is reported so the caller can broadcast <c>status</c>.
/// </summary>
internal sealed class PromptQueue : IDisposable
{
    private readonly object gate = new();
    private readonly PriorityQueue<QueueItem, (double, long)> pending = new();
    private readonly SemaphoreSlim available = new(0);
    private long sequence;
    private long counter;

    public QueueItem? Running { get; private set; }

    /// <summary>Pending plus running, as <c>exec_info.queue_remaining</c>.</summary>
    public int Remaining
    {
        get
        {
            lock (gate)
            {
                return pending.Count + (Running is null ? 0 : 1);
            }
        }
    }

    /// <summary>Takes the next counter value (the server advances it even when validation then fails).</summary>
    public long NextNumber() => Interlocked.Increment(ref counter) - 1;

    public long NextSequence() => Interlocked.Increment(ref sequence);

    public int Put(QueueItem item)
    {
        int remaining;
        lock (gate)
        {
            pending.Enqueue(item, (item.Number, item.Sequence));
            remaining = pending.Count + (Running is null ? 0 : 1);
        }

        available.Release();
        return remaining;
    }

    /// <summary>Waits for an item and marks it running.</summary>
    public async Task<(QueueItem Item, int Remaining)> TakeAsync(Func<CancellationToken, Task> gateAsync, CancellationToken ct)
    {
        while (true)
        {
            await available.WaitAsync(ct).ConfigureAwait(false);
            await gateAsync(ct).ConfigureAwait(false);
            lock (gate)
            {
                if (pending.TryDequeue(out var item, out _))
                {
                    Running = item;
                    return (item, pending.Count + 1);
                }
            }
        }
    }

    public int Finish()
    {
        lock (gate)
        {
            Running = null;
            return pending.Count;
        }
    }

    public (QueueItem? Running, List<QueueItem> Pending) Snapshot()
    {
        lock (gate)
        {
            return (Running, pending.UnorderedItems.Select(x => x.Element).ToList());
        }
    }

    /// <summary>Removes pending items by id; returns how many were removed.</summary>
    public int Delete(IReadOnlyCollection<string> promptIds)
    {
        lock (gate)
        {
            var removed = 0;
            foreach (var item in pending.UnorderedItems.Select(x => x.Element).Where(i => promptIds.Contains(i.PromptId)).ToList())
            {
                if (pending.Remove(item, out _, out _))
                {
                    removed++;
                }
            }

            return removed;
        }
    }

    public void Clear()
    {
        lock (gate)
        {
            pending.Clear();
        }
    }

    public void Dispose() => available.Dispose();

    public bool IsPending(string promptId)
    {
        lock (gate)
        {
            return pending.UnorderedItems.Any(x => x.Element.PromptId == promptId);
        }
    }
}
