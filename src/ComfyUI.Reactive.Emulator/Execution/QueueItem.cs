using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator.Sockets;

namespace ComfyUI.Reactive.Emulator.Execution;

/// <summary>A queue entry, <c>[number, prompt_id, prompt, extra_data, outputs_to_execute]</c> on the wire.</summary>
internal sealed class QueueItem
{
    public required double Number { get; init; }

    /// <summary>True when the client sent <c>number</c> (the server then echoes a float, e.g. <c>5.0</c>).</summary>
    public required bool NumberIsFloat { get; init; }

    public required long Sequence { get; init; }
    public required string PromptId { get; init; }
    public required JsonObject Prompt { get; init; }
    public required JsonObject ExtraData { get; init; }
    public required IReadOnlyList<string> Outputs { get; init; }

    /// <summary>Built on the request thread: it reads the whole prompt once, so the worker and <c>GET /queue</c> only ever read materialised JSON.</summary>
    public required PromptGraph Graph { get; init; }

    public long CreateTime { get; init; }

    /// <summary>
    /// Completed once the <c>POST /prompt</c> answer has been written. The worker waits for it before it announces or runs
    /// the prompt, so no frame of a prompt can overtake its HTTP answer (the real server answers first).
    /// </summary>
    public TaskCompletionSource Answered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string? ClientId => ExtraData["client_id"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public void WriteNumber(Utf8JsonWriter w) => JsonFrames.WritePythonNumber(w, Number, NumberIsFloat);

    public void WriteTuple(Utf8JsonWriter w)
    {
        w.WriteStartArray();
        WriteNumber(w);
        w.WriteStringValue(PromptId);
        Prompt.WriteTo(w);
        ExtraData.WriteTo(w);
        w.WriteStartArray();
        foreach (var o in Outputs)
        {
            w.WriteStringValue(o);
        }

        w.WriteEndArray();
        w.WriteEndArray();
    }
}
