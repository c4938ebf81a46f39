using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>
/// One validation error as the server reports it (PROTOCOL.md §5.3): the prompt-level <c>error</c> of a rejected
/// prompt, or one item of a node's <c>errors</c>. Both have the same shape <c>{type, message, details, extra_info}</c>.
/// </summary>
[JsonConverter(typeof(PromptErrorJsonConverter))]
public sealed class PromptError
{
    /// <summary>The machine-readable kind, e.g. <c>prompt_outputs_failed_validation</c>, <c>value_not_in_list</c>,
    /// <c>required_input_missing</c>. Empty when an old server sent the error as a bare string.</summary>
    public string Type { get; init; } = string.Empty;

    /// <summary>The human-readable summary, e.g. <c>Value not in list</c>.</summary>
    public string Message { get; init; } = string.Empty;

    /// <summary>The specifics, e.g. <c>upscale_method: 'superres' not in [...]</c>; often the input name. May be empty.</summary>
    public string Details { get; init; } = string.Empty;

    /// <summary>The <c>extra_info</c> object as sent (<c>input_name</c>, <c>input_config</c>, <c>received_value</c>,
    /// <c>exception_type</c>, <c>traceback</c>, <c>linked_node</c>, ...). An empty object when absent.</summary>
    public JsonElement ExtraInfo { get; init; }

    /// <summary>The input the error is about (<c>extra_info.input_name</c>), or null.</summary>
    public string? InputName => GetString(ExtraInfo, "input_name");

    /// <summary>The value the server received for the input (<c>extra_info.received_value</c>), or null when absent.</summary>
    public JsonElement? ReceivedValue =>
        ExtraInfo.ValueKind == JsonValueKind.Object && ExtraInfo.TryGetProperty("received_value", out var value) ? value : null;

    /// <summary>The Python exception type for exception errors (<c>extra_info.exception_type</c>, e.g. <c>KeyError</c>), or null.</summary>
    public string? ExceptionType => GetString(ExtraInfo, "exception_type");

    /// <summary>Returns <c>type: message (details)</c>.</summary>
    public override string ToString() =>
        Details.Length == 0 ? $"{Type}: {Message}" : $"{Type}: {Message} ({Details})";

    private static string? GetString(JsonElement obj, string key) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : null;
}

/// <summary>Reads an error item as an object, or as the bare string old servers sent (<c>"error": "no prompt"</c>).</summary>
internal sealed class PromptErrorJsonConverter : JsonConverter<PromptError>
{
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    public override PromptError Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return FromJson(document.RootElement);
    }

    public override void Write(Utf8JsonWriter writer, PromptError value, JsonSerializerOptions options) => WriteError(writer, value);

    internal static void WriteError(Utf8JsonWriter writer, PromptError value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        writer.WriteString("type", value.Type);
        writer.WriteString("message", value.Message);
        writer.WriteString("details", value.Details);
        writer.WritePropertyName("extra_info");
        (value.ExtraInfo.ValueKind == JsonValueKind.Undefined ? EmptyObject : value.ExtraInfo).WriteTo(writer);
        writer.WriteEndObject();
    }

    internal static PromptError FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new PromptError
        {
            Type = Text(element, "type"),
            Message = Text(element, "message"),
            Details = Text(element, "details"),
            ExtraInfo = element.TryGetProperty("extra_info", out var extra) && extra.ValueKind == JsonValueKind.Object
                ? extra.Clone()
                : EmptyObject,
        },
        JsonValueKind.String => new PromptError { Message = element.GetString()!, ExtraInfo = EmptyObject },
        _ => new PromptError { Message = element.GetRawText(), ExtraInfo = EmptyObject },
    };

    // A non-string value (a custom node's number or object) is kept as its JSON text rather than failing the read.
    private static string Text(JsonElement obj, string key) =>
        !obj.TryGetProperty(key, out var v) ? string.Empty
        : v.ValueKind == JsonValueKind.String ? v.GetString()!
        : v.ValueKind == JsonValueKind.Null ? string.Empty
        : v.GetRawText();
}
