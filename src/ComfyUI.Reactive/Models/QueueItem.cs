using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>
/// A queued, running or finished prompt as the server stores it: the array
/// <c>[number, prompt_id, prompt, extra_data, outputs_to_execute]</c> of <c>/queue</c> and of <c>history[id].prompt</c>.
/// </summary>
/// <remarks>
/// The cloud's variant puts the outputs before the metadata (<c>[..., outputs, metadata]</c>); like the official
/// frontend, the reader tells them apart by whether element 3 is an array.
/// </remarks>
[JsonConverter(typeof(QueueItemJsonConverter))]
public sealed class QueueItem
{
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>The priority; lower runs first (negative for prompts queued with <c>front</c>).</summary>
    public double Number { get; init; }

    /// <summary>The prompt id.</summary>
    public string PromptId { get; init; } = string.Empty;

    /// <summary>The API-format graph as the server validated it (numeric strings coerced, replaced nodes rewritten).</summary>
    public JsonElement Prompt { get; init; }

    /// <summary>The prompt's <c>extra_data</c> (<c>client_id</c>, <c>create_time</c>, ...); secrets are stripped by the server.</summary>
    public JsonElement ExtraData { get; init; } = EmptyObject;

    /// <summary>The output node ids that passed validation and will run.</summary>
    public IReadOnlyList<string> OutputsToExecute { get; init; } = [];

    /// <summary>The websocket client the prompt was submitted for (<c>extra_data.client_id</c>), or null.</summary>
    public string? ClientId =>
        ExtraData.ValueKind == JsonValueKind.Object && ExtraData.TryGetProperty("client_id", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;

    /// <summary>The whole array as the server sent it (a detached copy).</summary>
    public JsonElement Raw { get; init; }

    /// <summary>Returns <c>#number prompt_id</c>.</summary>
    public override string ToString() => $"#{Number} {PromptId}";

    internal static IReadOnlyList<QueueItem> InRunOrder(IReadOnlyList<QueueItem>? items)
    {
        if (items is null or { Count: 0 })
        {
            return [];
        }

        // Sorted by (number, prompt id) without LINQ's ordering machinery: queues are read twice a second per server
        // while jobs wait.
        var ordered = new List<QueueItem>(items);
        ordered.Sort(static (a, b) => a.Number != b.Number ? a.Number.CompareTo(b.Number) : string.CompareOrdinal(a.PromptId, b.PromptId));
        return ordered;
    }

    internal static QueueItem FromJson(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException($"A queue item must be a JSON array, got {element.ValueKind}.");
        }

        var length = element.GetArrayLength();
        JsonElement extra = EmptyObject;
        JsonElement outputs = default;
        if (length > 3)
        {
            // Local servers: [.., extra_data (object), outputs (array)]; the cloud: [.., outputs (array), metadata (object)].
            (outputs, extra) = element[3].ValueKind == JsonValueKind.Array
                ? (element[3], length > 4 ? element[4] : EmptyObject)
                : (length > 4 ? element[4] : default, element[3]);
        }

        return new QueueItem
        {
            Number = length > 0 ? ReadNumber(element[0]) : 0,
            PromptId = length > 1 && element[1].ValueKind == JsonValueKind.String ? element[1].GetString()! : string.Empty,
            Prompt = length > 2 ? element[2].Clone() : default,
            ExtraData = extra.ValueKind == JsonValueKind.Object ? extra.Clone() : EmptyObject,
            OutputsToExecute = outputs.ValueKind == JsonValueKind.Array ? OutputIds(outputs) : [],
            Raw = element.Clone(),
        };
    }

    private static string[] OutputIds(JsonElement outputs)
    {
        var ids = new string[outputs.GetArrayLength()];
        for (var i = 0; i < ids.Length; i++)
        {
            var id = outputs[i];
            ids[i] = id.ValueKind == JsonValueKind.String ? id.GetString()! : id.GetRawText();
        }

        return ids;
    }

    private static double ReadNumber(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.String when double.TryParse(value.GetString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => 0,
    };
}

/// <summary>Reads and writes <see cref="QueueItem"/> as the server's array.</summary>
internal sealed class QueueItemJsonConverter : JsonConverter<QueueItem>
{
    public override QueueItem Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return QueueItem.FromJson(document.RootElement);
    }

    public override void Write(Utf8JsonWriter writer, QueueItem value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        if (value.Raw.ValueKind == JsonValueKind.Array)
        {
            value.Raw.WriteTo(writer);
            return;
        }

        writer.WriteStartArray();
        writer.WriteNumberValue(value.Number);
        writer.WriteStringValue(value.PromptId);
        if (value.Prompt.ValueKind == JsonValueKind.Undefined)
        {
            writer.WriteNullValue();
        }
        else
        {
            value.Prompt.WriteTo(writer);
        }

        value.ExtraData.WriteTo(writer);
        writer.WriteStartArray();
        foreach (var output in value.OutputsToExecute)
        {
            writer.WriteStringValue(output);
        }

        writer.WriteEndArray();
        writer.WriteEndArray();
    }
}
