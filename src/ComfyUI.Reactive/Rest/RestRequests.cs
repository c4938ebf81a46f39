using System.Text.Json;
using System.Text.Json.Serialization;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Rest;

/// <summary>The body of <c>POST /queue</c> and <c>POST /history</c>: clear everything and/or delete some ids.</summary>
internal sealed class ClearOrDeleteRequest
{
    [JsonPropertyName("clear")]
    public bool? Clear { get; init; }

    [JsonPropertyName("delete")]
    public IReadOnlyList<string>? Delete { get; init; }
}

/// <summary>The body of a targeted <c>POST /interrupt</c>.</summary>
internal sealed class InterruptRequest
{
    [JsonPropertyName("prompt_id")]
    public required string PromptId { get; init; }
}

/// <summary>The body of <c>POST /free</c>.</summary>
internal sealed class FreeRequest
{
    [JsonPropertyName("unload_models")]
    public bool UnloadModels { get; init; }

    [JsonPropertyName("free_memory")]
    public bool FreeMemory { get; init; }
}

/// <summary>The body of <c>POST /users</c>.</summary>
internal sealed class CreateUserRequest
{
    [JsonPropertyName("username")]
    public required string Username { get; init; }
}

/// <summary>The body of <c>POST /api/jobs/cancel</c>.</summary>
internal sealed class JobCancelRequest
{
    [JsonPropertyName("job_ids")]
    public required IReadOnlyList<string> JobIds { get; init; }
}

/// <summary>The answer of both job-cancel routes.</summary>
internal sealed class JobCancelResult
{
    [JsonPropertyName("cancelled")]
    public bool Cancelled { get; init; }
}

/// <summary>The 400 body of <c>POST /prompt</c>: <c>{"error": ..., "node_errors": ...}</c>.</summary>
internal sealed class PromptErrorBody
{
    [JsonPropertyName("error")]
    public PromptError? Error { get; init; }

    [JsonPropertyName("node_errors")]
    [JsonConverter(typeof(NodeErrorsJsonConverter))]
    public IReadOnlyDictionary<string, NodeValidationError>? NodeErrors { get; init; }
}

/// <summary>The <c>{"error": ...}</c> body most JSON error answers share.</summary>
internal sealed class ErrorBody
{
    [JsonPropertyName("error")]
    public JsonElement Error { get; init; }
}
