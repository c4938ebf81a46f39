using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace ComfyUI.Reactive.Events;

// Binary frames (PROTOCOL.md §4): a 4-byte big-endian event type, then a type-specific layout. Images are handed out
// as slices of the frame, never copied.
public static partial class ComfyEventParser
{
    private const uint PreviewImageFrame = 1;
    private const uint TextFrame = 3;
    private const uint PreviewImageWithMetadataFrame = 4;

    private const string Jpeg = "image/jpeg";
    private const string Png = "image/png";
    private const string Webp = "image/webp";
    private const string Gif = "image/gif";
    private const string OctetStream = "application/octet-stream";

    /// <summary>Decodes a binary frame: a preview image (type 1 or 4), progress text (type 3) or an unknown type.</summary>
    /// <param name="frame">
    /// The whole frame. Image bytes in the result are a slice of it, not a copy: a caller that reuses the buffer
    /// must copy what it keeps.
    /// </param>
    /// <param name="textFramesCarryPromptId">
    /// True when the server advertised <c>supports_progress_text_metadata</c>: type-3 frames then start with
    /// <c>[u32 length][prompt id]</c> before the node id (<see cref="FeatureFlagsEvent.SupportsProgressTextMetadata"/>).
    /// </param>
    /// <returns>
    /// A <see cref="PreviewImageEvent"/>, <see cref="ProgressTextEvent"/> or <see cref="UnknownBinaryEvent"/>.
    /// </returns>
    /// <exception cref="ComfyProtocolException">The header is truncated or a length runs past the end of the frame.</exception>
    public static ComfyEvent ParseBinary(ReadOnlyMemory<byte> frame, bool textFramesCarryPromptId = false)
    {
        var span = frame.Span;
        if (span.Length < 4)
        {
            throw new ComfyProtocolException(
                $"A binary frame of {span.Length} bytes is shorter than its 4-byte event type.");
        }

        var eventType = BinaryPrimitives.ReadUInt32BigEndian(span);
        return eventType switch
        {
            PreviewImageFrame => ReadPreviewImage(frame),
            PreviewImageWithMetadataFrame => ReadPreviewImageWithMetadata(frame),
            TextFrame => ReadProgressText(span, textFramesCarryPromptId),
            _ => new UnknownBinaryEvent(eventType, frame[4..]),
        };
    }

    private static PreviewImageEvent ReadPreviewImage(ReadOnlyMemory<byte> frame)
    {
        var span = frame.Span;
        if (span.Length < 8)
        {
            throw new ComfyProtocolException(
                $"A preview frame (type 1) of {span.Length} bytes is shorter than its 8-byte header.");
        }

        var declared = BinaryPrimitives.ReadUInt32BigEndian(span[4..]) switch
        {
            1 => Jpeg,
            2 => Png,
            _ => null,
        };
        var image = frame[8..];
        return new PreviewImageEvent(image, SniffMimeType(image.Span) ?? declared ?? OctetStream, false, null, null, null, null, null)
        {
            DeclaredMimeType = declared,
        };
    }

    private static PreviewImageEvent ReadPreviewImageWithMetadata(ReadOnlyMemory<byte> frame)
    {
        var span = frame.Span;
        var metadataLength = ReadLength(span, 4, "preview frame (type 4)", "metadata");
        var metadata = span.Slice(8, metadataLength);

        string? nodeId = null, promptId = null, displayNodeId = null, parentNodeId = null, realNodeId = null, imageType = null;
        try
        {
            var reader = new Utf8JsonReader(metadata);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new ComfyProtocolException("A preview frame's (type 4) metadata is not a JSON object.");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("node_id"u8))
                {
                    reader.Read();
                    nodeId = ReadOptionalString(ref reader, "preview.node_id");
                }
                else if (reader.ValueTextEquals("prompt_id"u8))
                {
                    reader.Read();
                    promptId = ReadOptionalString(ref reader, "preview.prompt_id");
                }
                else if (reader.ValueTextEquals("display_node_id"u8))
                {
                    reader.Read();
                    displayNodeId = ReadOptionalString(ref reader, "preview.display_node_id");
                }
                else if (reader.ValueTextEquals("parent_node_id"u8))
                {
                    reader.Read();
                    parentNodeId = ReadOptionalString(ref reader, "preview.parent_node_id");
                }
                else if (reader.ValueTextEquals("real_node_id"u8))
                {
                    reader.Read();
                    realNodeId = ReadOptionalString(ref reader, "preview.real_node_id");
                }
                else if (reader.ValueTextEquals("image_type"u8))
                {
                    reader.Read();
                    imageType = ReadOptionalString(ref reader, "preview.image_type");
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            reader.Read();
        }
        catch (JsonException ex)
        {
            throw new ComfyProtocolException($"A preview frame's (type 4) metadata is not valid JSON: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // An undecodable string (e.g. an escaped lone surrogate), see ParseText.
            throw new ComfyProtocolException($"A preview frame's (type 4) metadata holds a value that cannot be decoded: {ex.Message}", ex);
        }

        var image = frame[(8 + metadataLength)..];
        return new PreviewImageEvent(
            image,
            SniffMimeType(image.Span) ?? imageType ?? OctetStream,
            true,
            promptId,
            nodeId,
            displayNodeId,
            parentNodeId,
            realNodeId)
        {
            DeclaredMimeType = imageType,
        };
    }

    private static ProgressTextEvent ReadProgressText(ReadOnlySpan<byte> span, bool carriesPromptId)
    {
        var offset = 4;
        string? promptId = null;
        if (carriesPromptId)
        {
            var promptIdLength = ReadLength(span, offset, "text frame (type 3)", "prompt id");
            promptId = Utf8StringCache.Get(span.Slice(offset + 4, promptIdLength));
            offset += 4 + promptIdLength;
        }

        var nodeIdLength = ReadLength(span, offset, "text frame (type 3)", "node id");
        var nodeId = Utf8StringCache.Get(span.Slice(offset + 4, nodeIdLength));
        var text = Encoding.UTF8.GetString(span[(offset + 4 + nodeIdLength)..]);
        return new ProgressTextEvent(nodeId, text, promptId);
    }

    /// <summary>Reads a u32 BE length at <paramref name="offset"/> and checks that many bytes follow it.</summary>
    private static int ReadLength(ReadOnlySpan<byte> span, int offset, string frameName, string field)
    {
        if (span.Length - offset < 4)
        {
            throw new ComfyProtocolException(
                $"A {frameName} of {span.Length} bytes ends before the length of its {field}.");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(span[offset..]);
        var available = span.Length - offset - 4;
        if (length > (uint)available)
        {
            throw new ComfyProtocolException(
                $"A {frameName} declares a {field} of {length} bytes but only {available} follow.");
        }

        return (int)length;
    }

    /// <summary>The MIME type by magic bytes; null when unrecognised (the server's label can be wrong, PROTOCOL.md §4.1).</summary>
    private static string? SniffMimeType(ReadOnlySpan<byte> image)
    {
        if (image.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8]))
        {
            return Jpeg;
        }

        if (image.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47]))
        {
            return Png;
        }

        if (image.Length >= 12 && image.StartsWith("RIFF"u8) && image.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            return Webp;
        }

        return image.StartsWith("GIF8"u8) ? Gif : null;
    }
}
