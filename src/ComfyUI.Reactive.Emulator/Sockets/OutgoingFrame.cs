namespace ComfyUI.Reactive.Emulator.Sockets;

/// <summary>One websocket frame ready to send; the bytes are built once and shared by every recipient.</summary>
internal readonly record struct OutgoingFrame(ReadOnlyMemory<byte> Data, bool Binary);
