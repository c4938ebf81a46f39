using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>
/// The 200 answer of <c>POST /prompt</c>: the prompt was queued. <see cref="NodeErrors"/> can still be non-empty:
/// outputs that failed validation were dropped and only the valid ones will run, so always check
/// <see cref="HasNodeErrors"/>.
/// </summary>
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
