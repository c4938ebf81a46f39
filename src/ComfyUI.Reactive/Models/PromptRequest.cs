using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>
/// The body of <c>POST /prompt</c> (PROTOCOL.md §2.2): an API-format workflow plus how to queue it.
/// Null members are left out of the request, so the server applies its own defaults.
/// </summary>
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
