using System.Buffers.Binary;

namespace ComfyUI.Reactive.Emulator.Sockets;

/// <summary>An encoded preview image with both binary frame layouts built once (type 1 legacy, type 4 with metadata).</summary>
internal sealed class PreviewImage
{
    public PreviewImage(byte[] encoded, bool png, string promptId, string nodeId)
    {
        // Type 1: u32 event=1 | u32 format (1 = JPEG, 2 = PNG) | image bytes.
        var t1 = new byte[8 + encoded.Length];
        BinaryPrimitives.WriteUInt32BigEndian(t1, 1);
        BinaryPrimitives.WriteUInt32BigEndian(t1.AsSpan(4), png ? 2u : 1u);
        encoded.CopyTo(t1, 8);
        Type1Frame = new OutgoingFrame(t1, Binary: true);

        // Type 4: u32 event=4 | u32 metadata length | metadata JSON | image bytes.
        var meta = JsonFrames.Write((promptId, nodeId, png), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteString("node_id", s.nodeId);
            w.WriteString("prompt_id", s.promptId);
            w.WriteString("display_node_id", s.nodeId);
            w.WriteNull("parent_node_id");
            w.WriteString("real_node_id", s.nodeId);
            w.WriteString("image_type", s.png ? "image/png" : "image/jpeg");
            w.WriteEndObject();
        });
        var t4 = new byte[8 + meta.Length + encoded.Length];
        BinaryPrimitives.WriteUInt32BigEndian(t4, 4);
        BinaryPrimitives.WriteUInt32BigEndian(t4.AsSpan(4), (uint)meta.Length);
        meta.CopyTo(t4, 8);
        encoded.CopyTo(t4, 8 + meta.Length);
        Type4Frame = new OutgoingFrame(t4, Binary: true);
    }

    public OutgoingFrame Type1Frame { get; }

    public OutgoingFrame Type4Frame { get; }
}
