using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>
/// The 200 answer of <c>POST /prompt</c>: the prompt was queued. <see cref="NodeErrors"/> can still be non-empty:
/// outputs that failed validation were dropped and only the valid ones will run, so always check
/// <see cref="HasNodeErrors"/>.
/// </summary>
[JsonConverter(typeof(PromptResponseJsonConverter))]
public sealed class PromptResponse
{
    /// <summary>The prompt's id (the client-chosen one, or the server's uuid4).</summary>
    [JsonPropertyName("prompt_id")]
    public string PromptId { get; init; } = string.Empty;

    /// <summary>The queue priority: the server counter (an integer), or the client's <c>number</c> echoed as a float.</summary>
    [JsonPropertyName("number")]
    public double Number { get; init; }

    /// <summary>Validation errors of the outputs that were dropped, by node id. Empty when everything validated.</summary>
    [JsonPropertyName("node_errors")]
    [JsonConverter(typeof(NodeErrorsJsonConverter))]
    public IReadOnlyDictionary<string, NodeValidationError> NodeErrors { get; init => field = value ?? NodeErrorsJsonConverter.Empty; } = NodeErrorsJsonConverter.Empty;

    /// <summary>True when some outputs failed validation and were dropped from the run.</summary>
    [JsonIgnore]
    public bool HasNodeErrors => NodeErrors.Count > 0;
}

/// <summary>
/// Reads and writes <see cref="PromptResponse"/> by hand, the answer to every submission, for the reason
/// <see cref="PromptRequestJsonConverter"/> gives; same rules as the generated reader: unknown fields skipped, a number
/// also accepted as a string, <c>node_errors</c> through <see cref="NodeErrorsJsonConverter"/>.
/// </summary>
internal sealed class PromptResponseJsonConverter : JsonConverter<PromptResponse>
{
    private static readonly NodeErrorsJsonConverter NodeErrorsWriter = new();

    public override PromptResponse Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"The answer to POST /prompt must be a JSON object, not {root.ValueKind}.");
        }

        return new PromptResponse
        {
            PromptId = root.TryGetProperty("prompt_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString()! : string.Empty,
            Number = root.TryGetProperty("number", out var number) ? Number(number) : 0,
            NodeErrors = root.TryGetProperty("node_errors", out var errors) ? NodeErrorsJsonConverter.FromJson(errors) : NodeErrorsJsonConverter.Empty,
        };

        static double Number(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.Number => value.GetDouble(),
            JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
            JsonValueKind.Null => 0,
            _ => throw new JsonException($"'number' in the answer to POST /prompt must be a number, not {value.GetRawText()}."),
        };
    }

    public override void Write(Utf8JsonWriter writer, PromptResponse value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        writer.WriteString("prompt_id", value.PromptId);
        writer.WriteNumber("number", value.Number);
        writer.WritePropertyName("node_errors");
        NodeErrorsWriter.Write(writer, value.NodeErrors, options);
        writer.WriteEndObject();
    }
}
