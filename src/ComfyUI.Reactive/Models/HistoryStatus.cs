using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>How a prompt ended (<c>history[id].status</c>). Interrupted runs are <c>error</c> with <see cref="Completed"/> false.</summary>
public sealed class HistoryStatus
{
    /// <summary><c>success</c> or <c>error</c>.</summary>
    [JsonPropertyName("status_str")]
    public string StatusStr { get; init; } = string.Empty;

    /// <summary>True when every output ran to the end.</summary>
    [JsonPropertyName("completed")]
    public bool Completed { get; init; }

    /// <summary>The lifecycle messages of the run, in order: <c>execution_start</c>, <c>execution_cached</c>, then
    /// <c>execution_success</c>, <c>execution_error</c> or <c>execution_interrupted</c>.</summary>
    [JsonPropertyName("messages")]
    public IReadOnlyList<HistoryMessage> Messages { get; init => field = value ?? []; } = [];

    /// <summary>True when the run succeeded.</summary>
    [JsonIgnore]
    public bool IsSuccess => string.Equals(StatusStr, "success", StringComparison.Ordinal);

    /// <summary>True when the run was interrupted (an <c>execution_interrupted</c> message is present).</summary>
    [JsonIgnore]
    public bool IsInterrupted => Messages.Any(m => m.Name == "execution_interrupted");

    /// <summary>The <c>execution_error</c> payload when the run failed inside a node, or null.</summary>
    [JsonIgnore]
    public JsonElement? ExecutionError => Messages.FirstOrDefault(m => m.Name == "execution_error")?.Data;
}

/// <summary>One <c>[event_name, data]</c> pair of a history status; the data is the websocket payload of that event.</summary>
[JsonConverter(typeof(HistoryMessageJsonConverter))]
public sealed class HistoryMessage
{
    /// <summary>The event name, e.g. <c>execution_start</c>.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The event's payload (<c>prompt_id</c>, <c>timestamp</c>, ...), a detached copy.</summary>
    public JsonElement Data { get; init; }

    /// <summary>Returns the event name.</summary>
    public override string ToString() => Name;
}

/// <summary>Reads and writes a <see cref="HistoryMessage"/> as the server's <c>[name, data]</c> pair.</summary>
internal sealed class HistoryMessageJsonConverter : JsonConverter<HistoryMessage>
{
    public override HistoryMessage Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Array)
        {
            // Not the known pair shape: keep it whole rather than failing the entire history answer.
            return new HistoryMessage { Data = root.Clone() };
        }

        var name = string.Empty;
        JsonElement data = default;
        var index = 0;
        foreach (var item in root.EnumerateArray())
        {
            if (index == 0 && item.ValueKind == JsonValueKind.String)
            {
                name = item.GetString()!;
            }
            else if (index == 1)
            {
                data = item.Clone();
            }

            index++;
        }

        return new HistoryMessage { Name = name, Data = data };
    }

    public override void Write(Utf8JsonWriter writer, HistoryMessage value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartArray();
        writer.WriteStringValue(value.Name);
        if (value.Data.ValueKind == JsonValueKind.Undefined)
        {
            writer.WriteNullValue();
        }
        else
        {
            value.Data.WriteTo(writer);
        }

        writer.WriteEndArray();
    }
}
