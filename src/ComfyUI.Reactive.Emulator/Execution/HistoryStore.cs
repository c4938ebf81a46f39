using System.Text.Json;

namespace ComfyUI.Reactive.Emulator.Execution;

/// <summary>One finished prompt: its history JSON (serialised once) and the facts the jobs API needs.</summary>
internal sealed record HistoryRecord(string PromptId, byte[] Json, string StatusStr, bool Interrupted, double Number, long CreateTime, long StartTime, long EndTime, int OutputsCount);

/// <summary>History in completion order, oldest first, capped like ComfyUI's (oldest evicted).</summary>
internal sealed class HistoryStore(int maxItems)
{
    private readonly object gate = new();
    private readonly OrderedDictionary<string, HistoryRecord> entries = new(StringComparer.Ordinal);

    public void Add(HistoryRecord record)
    {
        lock (gate)
        {
            // A reused prompt_id overwrites the entry in place, as a Python dict assignment does.
            entries[record.PromptId] = record;
            while (entries.Count > maxItems)
            {
                entries.RemoveAt(0);
            }
        }
    }

    public HistoryRecord? Get(string promptId)
    {
        lock (gate)
        {
            return entries.TryGetValue(promptId, out var r) ? r : null;
        }
    }

    public List<HistoryRecord> Page(int? maxItems, int? offset)
    {
        lock (gate)
        {
            var all = entries.Values;
            IEnumerable<HistoryRecord> selected = all;
            if (offset is { } o)
            {
                selected = all.Skip(Math.Max(0, o));
                if (maxItems is { } m)
                {
                    selected = selected.Take(m);
                }
            }
            else if (maxItems is { } m)
            {
                selected = all.Skip(Math.Max(0, all.Count - m));
            }

            return selected.ToList();
        }
    }

    public List<HistoryRecord> All()
    {
        lock (gate)
        {
            return entries.Values.ToList();
        }
    }

    public void Delete(IEnumerable<string> ids)
    {
        lock (gate)
        {
            foreach (var id in ids)
            {
                entries.Remove(id);
            }
        }
    }

    public void Clear()
    {
        lock (gate)
        {
            entries.Clear();
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
