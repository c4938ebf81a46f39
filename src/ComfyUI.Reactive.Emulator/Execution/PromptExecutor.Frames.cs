using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator.Sockets;

namespace ComfyUI.Reactive.Emulator.Execution;

/// <summary>The worker's messages: <c>executed</c> and <c>execution_error</c> frames, the messages kept for the history
/// entry, and the entry itself.</summary>
internal sealed partial class PromptExecutor
{
    private void SendExecuted(RunState run, string id, byte[]? ui) =>
        hub.Send(JsonFrames.Message("executed", (id, ui, run.Item.PromptId), static (w, s) =>
        {
            w.WriteString("node", s.id);
            w.WriteString("display_node", s.id);
            w.WritePropertyName("output");
            if (s.ui is null)
            {
                w.WriteNullValue();
            }
            else
            {
                w.WriteRawValue(s.ui, skipInputValidation: true);
            }

            w.WriteString("prompt_id", s.PromptId);
        }), run.Client);

    private void SendError(RunState run, string id, string type, string message, List<string> currentOutputs, Dictionary<string, object?>? inputs) =>
        AddMessage(run, "execution_error", (run, id, type, message, currentOutputs, inputs), static (w, s) =>
        {
            w.WriteString("prompt_id", s.run.Item.PromptId);
            w.WriteString("node_id", s.id);
            w.WriteString("node_type", s.run.Graph.Nodes[s.id].Schema.ClassType);
            WriteExecuted(w, s.run.Executed);
            w.WriteString("exception_message", s.message);
            w.WriteString("exception_type", s.type);
            w.WriteStartArray("traceback");
            w.WriteStringValue($"  File \"comfyui-reactive-emulator/nodes/{s.run.Graph.Nodes[s.id].Schema.ClassType}.py\", line 1, in execute\n");
            w.WriteEndArray();
            w.WritePropertyName("current_inputs");
            if (s.inputs is null)
            {
                w.WriteStartArray();
                w.WriteEndArray();
            }
            else
            {
                w.WriteStartObject();
                foreach (var (name, value) in s.inputs)
                {
                    w.WriteStartArray(name);
                    w.WriteStringValue(value switch
                    {
                        null => "None",
                        bool b => b ? "True" : "False",
                        double d => Validation.PythonText.Float(d),
                        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                        _ => value.ToString(),
                    });
                    w.WriteEndArray();
                }

                w.WriteEndObject();
            }

            w.WriteStartArray("current_outputs");
            foreach (var o in s.currentOutputs)
            {
                w.WriteStringValue(o);
            }

            w.WriteEndArray();
        }, broadcast: false);

    /// <summary>ComfyUI's <c>list(executed)</c> of a Python set; the recordings show it newest first.</summary>
    private static void WriteExecuted(Utf8JsonWriter w, List<string> executed)
    {
        w.WriteStartArray("executed");
        for (var i = executed.Count - 1; i >= 0; i--)
        {
            w.WriteStringValue(executed[i]);
        }

        w.WriteEndArray();
    }

    /// <summary>
    /// <c>add_message</c>: records the lifecycle event for history (with a timestamp last) and sends it to the
    /// prompt's client, or to everyone when <paramref name="broadcast"/> and the prompt has no client.
    /// </summary>
    private void AddMessage<T>(RunState run, string type, T state, Action<Utf8JsonWriter, T> writeData, bool broadcast)
    {
        var timestamp = Now();
        var data = JsonFrames.Write((state, writeData, timestamp), static (w, s) =>
        {
            w.WriteStartObject();
            s.writeData(w, s.state);
            w.WriteNumber("timestamp", s.timestamp);
            w.WriteEndObject();
        });
        run.Messages.Add((type, data));
        if (run.Client is not null || broadcast)
        {
            hub.Send(JsonFrames.Wrap(type, data), run.Client);
        }
    }

    private static byte[] BuildHistory(RunState run, bool success) => JsonFrames.Write((run, success), static (w, s) =>
    {
        w.WriteStartObject();
        w.WritePropertyName("prompt");
        s.run.Item.WriteTuple(w);
        w.WriteStartObject("outputs");
        foreach (var (id, ui) in s.run.UiOutputs)
        {
            w.WritePropertyName(id);
            w.WriteRawValue(ui, skipInputValidation: true);
        }

        w.WriteEndObject();
        w.WriteStartObject("status");
        w.WriteString("status_str", s.success ? "success" : "error");
        w.WriteBoolean("completed", s.success);
        w.WriteStartArray("messages");
        foreach (var (name, data) in s.run.Messages)
        {
            w.WriteStartArray();
            w.WriteStringValue(name);
            w.WriteRawValue(data, skipInputValidation: true);
            w.WriteEndArray();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteStartObject("meta");
        foreach (var (id, _) in s.run.UiOutputs)
        {
            w.WriteStartObject(id);
            w.WriteString("node_id", id);
            w.WriteString("display_node", id);
            w.WriteNull("parent_node");
            w.WriteString("real_node_id", id);
            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WriteEndObject();
    });
}
