namespace ComfyUI.Reactive.Emulator.Execution;

/// <summary>
/// ComfyUI's <c>ExecutionList</c> (comfy_execution/graph.py): pending nodes in discovery order, a block count per
/// node, and the "UX friendly" pick that runs output nodes first, then nodes feeding an output, then nodes two
/// steps from one. Reproducing it gives the recorded node order (e.g. 1, 4, 2, 3 in transcripts §2).
/// </summary>
internal sealed class ExecutionList(PromptGraph graph, Func<string, bool> isCached)
{
    private readonly List<string> pending = [];
    private readonly HashSet<string> pendingSet = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> blockCount = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> blocking = new(StringComparer.Ordinal);

    public bool IsEmpty => pending.Count == 0;

    public void AddNode(string id)
    {
        if (!pendingSet.Add(id))
        {
            return;
        }

        pending.Add(id);
        blockCount[id] = 0;
        blocking[id] = [];
        foreach (var (_, from, _) in graph.Nodes[id].Links)
        {
            if (!isCached(from))
            {
                AddNode(from);
                if (!blocking[from].Contains(id))
                {
                    blocking[from].Add(id);
                    blockCount[id]++;
                }
            }
        }
    }

    /// <summary>Picks the next node to run; null when nothing is runnable (a cycle).</summary>
    public string? Stage()
    {
        var available = pending.Where(id => blockCount[id] == 0).ToList();
        if (available.Count == 0)
        {
            return null;
        }

        foreach (var id in available)
        {
            if (IsOutput(id))
            {
                return id;
            }
        }

        foreach (var id in available)
        {
            if (blocking[id].Any(IsOutput))
            {
                return id;
            }
        }

        foreach (var id in available)
        {
            if (blocking[id].Any(b => blocking.TryGetValue(b, out var next) && next.Any(IsOutput)))
            {
                return id;
            }
        }

        return available[0];
    }

    public void Complete(string id)
    {
        pending.Remove(id);
        pendingSet.Remove(id);
        foreach (var downstream in blocking[id])
        {
            blockCount[downstream]--;
        }
    }

    private bool IsOutput(string id) => graph.Nodes[id].Schema.OutputNode;
}
