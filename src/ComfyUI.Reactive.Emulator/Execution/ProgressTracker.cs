using System.Text.Json;
using ComfyUI.Reactive.Emulator.Sockets;

namespace ComfyUI.Reactive.Emulator.Execution;

/// <summary>
/// The per-prompt progress registry behind <c>progress_state</c>: every node touched so far, in first-touch order,
/// with value/max (floats 0.0/1.0 when a node starts, the progress bar's ints afterwards, 1/1 for cached nodes).
/// </summary>
internal sealed class ProgressTracker(string promptId)
{
    private sealed class Entry
    {
        public double Value;
        public double Max;
        public bool Floats;
        public bool Finished;
    }

    private readonly List<(string Id, Entry Entry)> nodes = [];
    private readonly Dictionary<string, Entry> byId = new(StringComparer.Ordinal);

    public void Start(string id)
    {
        var e = Get(id);
        e.Value = 0;
        e.Max = 1;
        e.Floats = true;
        e.Finished = false;
    }

    public void Update(string id, double value, double max)
    {
        var e = Get(id);
        e.Value = value;
        e.Max = max;
        e.Floats = false;
    }

    public void Finish(string id)
    {
        if (!byId.ContainsKey(id))
        {
            var fresh = Get(id);
            fresh.Value = 1;
            fresh.Max = 1;
            fresh.Floats = false;
        }

        var e = byId[id];
        e.Value = e.Max;
        e.Finished = true;
    }

    private Entry Get(string id)
    {
        if (!byId.TryGetValue(id, out var e))
        {
            e = new Entry();
            byId[id] = e;
            nodes.Add((id, e));
        }

        return e;
    }

    public OutgoingFrame Frame() => JsonFrames.Message("progress_state", this, static (w, self) =>
    {
        w.WriteString("prompt_id", self.promptId);
        w.WritePropertyName("nodes");
        w.WriteStartObject();
        foreach (var (id, e) in self.nodes)
        {
            w.WritePropertyName(id);
            w.WriteStartObject();
            w.WritePropertyName("value");
            JsonFrames.WritePythonNumber(w, e.Value, e.Floats);
            w.WritePropertyName("max");
            JsonFrames.WritePythonNumber(w, e.Max, e.Floats);
            w.WriteString("state", e.Finished ? "finished" : "running");
            w.WriteString("node_id", id);
            w.WriteString("prompt_id", self.promptId);
            w.WriteString("display_node_id", id);
            w.WriteNull("parent_node_id");
            w.WriteString("real_node_id", id);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    });

    private readonly string promptId = promptId;

}
