namespace ComfyUI.Reactive.Events;

/// <summary>
/// A preview image: binary type 1 (no ids; it follows its <c>progress</c> frame) or type 4 (with ids, sent to
/// clients that negotiated <c>supports_preview_metadata</c>; it precedes its <c>progress</c> frame).
/// </summary>
/// <param name="Image">
/// The encoded image. A slice of the frame passed to the parser, not a copy: if the caller reuses that buffer,
/// it must copy the bytes it wants to keep.
/// </param>
/// <param name="MimeType">
/// The image's MIME type, sniffed from its magic bytes (the server's label can be wrong for custom formats);
/// the declared type only when the bytes are not recognised.
/// </param>
/// <param name="HasMetadata">True for a type-4 frame, whose ids are set; false for type 1.</param>
/// <param name="PromptId">The prompt (type 4); null for type 1.</param>
/// <param name="NodeId">The node that produced the preview (type 4).</param>
/// <param name="DisplayNodeId">The submitted node id to highlight (type 4).</param>
/// <param name="ParentNodeId">The node that expanded into <see cref="NodeId"/>, if any (type 4).</param>
/// <param name="RealNodeId">The real node id (type 4).</param>
public sealed record PreviewImageEvent(
    ReadOnlyMemory<byte> Image,
    string MimeType,
    bool HasMetadata,
    string? PromptId,
    string? NodeId,
    string? DisplayNodeId,
    string? ParentNodeId,
    string? RealNodeId)
    : ComfyEvent(HasMetadata ? ComfyEventTypes.PreviewImageWithMetadata : ComfyEventTypes.PreviewImage, PromptId)
{
    /// <summary>
    /// What the server declared: the format label of type 1 (<c>image/jpeg</c> for 1, <c>image/png</c> for 2)
    /// or <c>image_type</c> of type 4; null when it declared nothing known.
    /// </summary>
    public string? DeclaredMimeType { get; init; }
}
