namespace ComfyUI.Reactive.Jobs;

/// <summary>An image a node sent over the websocket instead of saving it (e.g. <c>SaveImageWebsocket</c>).</summary>
/// <param name="Bytes">The encoded image (a copy owned by the result).</param>
/// <param name="MimeType">The image's MIME type, sniffed from its bytes.</param>
public sealed record JobImage(ReadOnlyMemory<byte> Bytes, string MimeType);
