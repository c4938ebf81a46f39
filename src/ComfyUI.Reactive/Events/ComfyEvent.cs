namespace ComfyUI.Reactive.Events;

/// <summary>
/// One message from the server's websocket: a JSON text frame (PROTOCOL.md §3.3) or a binary frame (§4),
/// decoded by <see cref="ComfyEventParser"/>. Switch on the sealed subtypes; anything the SDK does not know
/// arrives as <see cref="UnknownEvent"/> or <see cref="UnknownBinaryEvent"/> instead of being dropped.
/// </summary>
/// <param name="Type">
/// The wire type name (<c>progress</c>, <c>executing</c>, ...; binary frames use the names in
/// <see cref="ComfyEventTypes"/>). Kept as sent, so custom-node types stay recognisable.
/// </param>
/// <param name="PromptId">
/// The prompt the frame belongs to, or null when the frame carries none (<c>status</c>, <c>feature_flags</c>,
/// the replayed <c>executing</c> after a reconnect, type-1 previews, text frames). On the base type so a job
/// can filter every event by one property.
/// </param>
public abstract record ComfyEvent(string Type, string? PromptId);
