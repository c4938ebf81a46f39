using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>
/// The body of <c>POST /prompt</c> (PROTOCOL.md §2.2): an API-format workflow plus how to queue it.
/// Null members are left out of the request, so the server applies its own defaults.
/// </summary>
[JsonConverter(typeof(PromptRequestJsonConverter))]
public sealed class PromptRequest
{
    /// <summary>The API-format graph: node id → <c>{"class_type", "inputs", "_meta"}</c>. Required.</summary>
    [JsonPropertyName("prompt")]
    public JsonElement Prompt { get; init; }

    /// <summary>The websocket session id that receives this prompt's execution events. Without it the server
    /// sends no <c>execution_*</c>, <c>executing</c> or <c>executed</c> messages for the prompt.</summary>
    [JsonPropertyName("client_id")]
    public string? ClientId { get; init; }

    /// <summary>A client-chosen prompt id. Newer servers require a lowercase hyphenated UUID (<see cref="Guid.ToString()"/>);
    /// null lets the server generate one. Choosing it lets a client subscribe to its events before submitting.</summary>
    [JsonPropertyName("prompt_id")]
    public string? PromptId { get; init; }

    /// <summary>Queue ahead of normally queued prompts. Ignored by the server when <see cref="Number"/> is set.</summary>
    [JsonPropertyName("front")]
    public bool? Front { get; init; }

    /// <summary>An explicit priority; lower runs first. The server echoes it as a float.</summary>
    [JsonPropertyName("number")]
    public double? Number { get; init; }

    /// <summary>Extra data stored with the prompt (e.g. <c>extra_pnginfo</c>, <c>preview_method</c>).
    /// The server overwrites <c>client_id</c> in it with <see cref="ClientId"/>.</summary>
    [JsonPropertyName("extra_data")]
    public IReadOnlyDictionary<string, JsonElement>? ExtraData { get; init; }

    /// <summary>Only these output node ids become execution roots (servers since mid-2025); non-output ids are ignored.</summary>
    [JsonPropertyName("partial_execution_targets")]
    public IReadOnlyList<string>? PartialExecutionTargets { get; init; }
}

/// <summary>
/// Writes and reads <see cref="PromptRequest"/> by hand. The body of every submission: with a converter, System.Text.Json
/// builds no property metadata for it (about 100 methods of generic code over <see cref="JsonElement"/>, <c>bool?</c> and
/// <c>double?</c> the JIT would compile during a process's first submission, none of which ReadyToRun can precompile),
/// and the shape stays exactly the source-generated one: null members are left out.
/// </summary>
internal sealed class PromptRequestJsonConverter : JsonConverter<PromptRequest>
{
    public override PromptRequest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"A prompt request must be a JSON object, not {root.ValueKind}.");
        }

        return new PromptRequest
        {
            Prompt = root.TryGetProperty("prompt", out var prompt) ? prompt.Clone() : default,
            ClientId = Text(root, "client_id"),
            PromptId = Text(root, "prompt_id"),
            Front = root.TryGetProperty("front", out var front) && front.ValueKind is JsonValueKind.True or JsonValueKind.False ? front.GetBoolean() : null,
            Number = root.TryGetProperty("number", out var number) && number.ValueKind == JsonValueKind.Number ? number.GetDouble() : null,
            ExtraData = root.TryGetProperty("extra_data", out var extra) && extra.ValueKind == JsonValueKind.Object
                ? extra.EnumerateObject().ToDictionary(static p => p.Name, static p => p.Value.Clone(), StringComparer.Ordinal)
                : null,
            PartialExecutionTargets = root.TryGetProperty("partial_execution_targets", out var targets) && targets.ValueKind == JsonValueKind.Array
                ? [.. targets.EnumerateArray().Select(static t => t.ValueKind == JsonValueKind.String
                    ? t.GetString()!
                    : throw new JsonException("partial_execution_targets holds node ids (strings)."))]
                : null,
        };

        static string? Text(JsonElement e, string name) =>
            e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    public override void Write(Utf8JsonWriter writer, PromptRequest value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        writer.WritePropertyName("prompt");
        value.Prompt.WriteTo(writer);   // an undefined element throws, as the generated serializer did
        if (value.ClientId is { } clientId)
        {
            writer.WriteString("client_id", clientId);
        }

        if (value.PromptId is { } promptId)
        {
            writer.WriteString("prompt_id", promptId);
        }

        if (value.Front is { } front)
        {
            writer.WriteBoolean("front", front);
        }

        if (value.Number is { } number)
        {
            writer.WriteNumber("number", number);
        }

        if (value.ExtraData is { } extra)
        {
            writer.WriteStartObject("extra_data");
            foreach (var (key, item) in extra)
            {
                writer.WritePropertyName(key);
                item.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        if (value.PartialExecutionTargets is { } targets)
        {
            writer.WriteStartArray("partial_execution_targets");
            foreach (var target in targets)
            {
                writer.WriteStringValue(target);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }
}
