using System.Text.Json;

namespace ComfyUI.Reactive.Events;

/// <summary>
/// A JSON message of a type the SDK does not decode (custom nodes, <c>assets.*</c>, <c>notification</c>, ...),
/// kept whole rather than dropped.
/// </summary>
/// <param name="Type">The message's <c>type</c> as sent.</param>
/// <param name="PromptId">The <c>data.prompt_id</c> string when there is one, so jobs can still filter it.</param>
/// <param name="Raw">The whole message (<c>{"type": ..., "data": ...}</c>) as sent; a detached copy, safe to keep.</param>
public sealed record UnknownEvent(string Type, string? PromptId, JsonElement Raw)
    : ComfyEvent(Type, PromptId)
{
    /// <summary>The message's <c>data</c> value; <see cref="JsonValueKind.Undefined"/> when it has none.</summary>
    public JsonElement Data =>
        Raw.ValueKind == JsonValueKind.Object && Raw.TryGetProperty("data", out var data) ? data : default;
}
