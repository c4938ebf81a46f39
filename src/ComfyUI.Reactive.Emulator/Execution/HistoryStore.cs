using System.Text.Json;

namespace ComfyUI.Reactive.Emulator.Execution;

/// <summary>One finished prompt: its history JSON (serialised once) and the facts the jobs API needs.</summary>
internal sealed record HistoryRecord(string PromptId, byte[] Json, string StatusStr, bool Interrupted, long CreateTime);

/// <summary>
/// History in completion order, oldest first, capped like ComfyUI's (oldest evicted). A linked list indexed by id
/// rather than an <c>OrderedDictionary</c>: evicting the oldest entry is O(1) here, whereas
/// <c>OrderedDictionary.RemoveAt(0)</c> shifts every entry, and at the 10,000-entry cap that shift was a third of
/// the CPU time of a zero-time prompt (docs/benchmarks.md, "Emulator throughput").
/// </summary>
internal sealed class HistoryStore(int maxItems)
{
    private readonly object gate = new();
    private readonly LinkedList<HistoryRecord> order = new();
    private readonly Dictionary<string, LinkedListNode<HistoryRecord>> byId = new(StringComparer.Ordinal);

    public void Add(HistoryRecord record)
    {
        lock (gate)
        {
            // A reused prompt_id overwrites the entry in place, as a Python dict assignment does.
            if (byId.TryGetValue(record.PromptId, out var existing))
            {
                existing.Value = record;
                return;
            }

            byId[record.PromptId] = order.AddLast(record);
            while (byId.Count > maxItems)
            {
                byId.Remove(order.First!.Value.PromptId);
                order.RemoveFirst();
            }
        }
    }

    public HistoryRecord? Get(string promptId)
    {
        lock (gate)
        {
            return byId.TryGetValue(promptId, out var r) ? r.Value : null;
        }
    }

    public List<HistoryRecord> Page(int? maxItems, int? offset)
    {
        lock (gate)
        {
            IEnumerable<HistoryRecord> selected = order;
            if (offset is { } o)
            {
                selected = order.Skip(Math.Max(0, o));
                if (maxItems is { } m)
                {
                    selected = selected.Take(m);
                }
            }
            else if (maxItems is { } m)
            {
                selected = order.Skip(Math.Max(0, order.Count - m));
            }

            return selected.ToList();
        }
    }

    public List<HistoryRecord> All()
    {
        lock (gate)
        {
            return order.ToList();
        }
    }

    public void Delete(IEnumerable<string> ids)
    {
        lock (gate)
        {
            foreach (var id in ids)
            {
                if (byId.Remove(id, out var node))
                {
                    order.Remove(node);
                }
            }
        }
    }

    public void Clear()
    {
        lock (gate)
        {
            byId.Clear();
            order.Clear();
        }
    }

    public static void WriteMap(Utf8JsonWriter w, IEnumerable<HistoryRecord> records)
    {
        w.WriteStartObject();
        foreach (var r in records)
        {
            w.WritePropertyName(r.PromptId);
            w.WriteRawValue(r.Json, skipInputValidation: true);
        }

        w.WriteEndObject();
    }
}
