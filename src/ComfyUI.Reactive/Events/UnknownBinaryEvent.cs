namespace ComfyUI.Reactive.Events;

/// <summary>A binary frame of an event type the SDK does not decode (custom nodes may send any).</summary>
/// <param name="EventType">The frame's 4-byte big-endian event type.</param>
/// <param name="Data">The bytes after the event type; a slice of the frame passed to the parser, not a copy.</param>
public sealed record UnknownBinaryEvent(uint EventType, ReadOnlyMemory<byte> Data)
    : ComfyEvent(ComfyEventTypes.UnknownBinary, null);
