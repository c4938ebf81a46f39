using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>
/// The spec of one node input from <c>/object_info</c>: <c>[type, options?]</c>, where <c>type</c> is a type name
/// (<c>INT</c>, <c>IMAGE</c>, <c>IMAGE,MASK</c>, <c>*</c>), <c>COMBO</c> with <c>options.options</c>, or a legacy combo whose
/// list is the option list. Hidden inputs may be a bare string such as <c>"PROMPT"</c>.
/// </summary>
[JsonConverter(typeof(InputSpecJsonConverter))]
public sealed class InputSpec
{
    /// <summary>The type name; <c>COMBO</c> for both combo styles.</summary>
    public string TypeName { get; init; } = string.Empty;

    /// <summary>True when the input is a combo (a choice among <see cref="ComboOptions"/>).</summary>
    public bool IsCombo => ComboOptions is not null;

    /// <summary>The allowed values of a combo (non-string values as their JSON text), or null when not a combo.</summary>
    public IReadOnlyList<string>? ComboOptions { get; init; }

    /// <summary>The options object (<c>default</c>, <c>min</c>, <c>max</c>, <c>step</c>, <c>tooltip</c>, <c>multiline</c>, ...),
    /// or null when the spec has none.</summary>
    public JsonElement? Options { get; init; }

    /// <summary>The spec exactly as the server sent it (a detached copy).</summary>
    public JsonElement Raw { get; init; }

    /// <summary>The default value (<c>options.default</c>), or null.</summary>
    public JsonElement? Default => Option("default");

    /// <summary>The minimum (<c>options.min</c>) of a numeric input, or null.</summary>
    public double? Min => Option("min") is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : null;

    /// <summary>The maximum (<c>options.max</c>) of a numeric input, or null.</summary>
    public double? Max => Option("max") is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : null;

    /// <summary>The tooltip (<c>options.tooltip</c>), or null.</summary>
    public string? Tooltip => Option("tooltip") is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    /// <summary>Returns the type name.</summary>
    public override string ToString() => TypeName;

    private JsonElement? Option(string key) =>
        Options is { ValueKind: JsonValueKind.Object } options && options.TryGetProperty(key, out var value) ? value : null;

    internal static InputSpec FromJson(JsonElement element)
    {
        var raw = element.Clone();
        if (element.ValueKind == JsonValueKind.String)
        {
            return new InputSpec { TypeName = element.GetString()!, Raw = raw };
        }

        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
        {
            return new InputSpec { Raw = raw };
        }

        var head = raw[0];
        JsonElement? options = raw.GetArrayLength() > 1 && raw[1].ValueKind == JsonValueKind.Object ? raw[1] : null;
        if (head.ValueKind == JsonValueKind.Array)
        {
            return new InputSpec { TypeName = "COMBO", ComboOptions = Texts(head), Options = options, Raw = raw };
        }

        var type = head.ValueKind == JsonValueKind.String ? head.GetString()! : head.GetRawText();
        IReadOnlyList<string>? combo = null;
        if (type == "COMBO")
        {
            // V3 combos carry their list in options.options; a remote combo (filled by the UI) has none.
            combo = options is { } o && o.TryGetProperty("options", out var list) && list.ValueKind == JsonValueKind.Array
                ? Texts(list)
                : [];
        }

        return new InputSpec { TypeName = type, ComboOptions = combo, Options = options, Raw = raw };
    }

    private static List<string> Texts(JsonElement array) =>
        [.. array.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText())];
}

/// <summary>Reads and writes <see cref="InputSpec"/> as the server's spec array.</summary>
internal sealed class InputSpecJsonConverter : JsonConverter<InputSpec>
{
    public override InputSpec Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return InputSpec.FromJson(document.RootElement);
    }

    public override void Write(Utf8JsonWriter writer, InputSpec value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        if (value.Raw.ValueKind != JsonValueKind.Undefined)
        {
            value.Raw.WriteTo(writer);
            return;
        }

        writer.WriteStartArray();
        writer.WriteStringValue(value.TypeName);
        value.Options?.WriteTo(writer);
        writer.WriteEndArray();
    }
}
