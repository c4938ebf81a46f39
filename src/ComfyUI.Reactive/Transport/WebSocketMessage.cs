namespace ComfyUI.Reactive.Transport;

/// <summary>Whether a websocket message arrived as a text (UTF-8) or a binary message.</summary>
internal enum WebSocketMessageKind
{
    /// <summary>A text message; <see cref="WebSocketMessage.Data"/> holds its UTF-8 bytes.</summary>
    Text = 0,

    /// <summary>A binary message; <see cref="WebSocketMessage.Data"/> holds its bytes as received.</summary>
    Binary = 1,
}

/// <summary>
/// One complete websocket message (all its frames joined), as raw bytes plus its kind.
/// Text stays UTF-8 bytes because the event parser reads UTF-8 spans; decoding to a string here would be wasted work.
/// </summary>
/// <param name="Kind">Text or binary.</param>
/// <param name="Data">The message bytes. The memory belongs to the message and is never reused by the transport,
/// so a subscriber may keep it.</param>
/// <remarks>A class (one small object per message, beside the message's own bytes): as a struct, every Rx subject and
/// operator and the list it flows through got its own compiled copy (<c>SharedGenericCodeTests</c>).</remarks>
internal sealed record WebSocketMessage(WebSocketMessageKind Kind, ReadOnlyMemory<byte> Data);
