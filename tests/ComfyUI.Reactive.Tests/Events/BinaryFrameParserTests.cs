using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using ComfyUI.Reactive.Events;

namespace ComfyUI.Reactive.Tests.Events;

/// <summary>Binary frames (PROTOCOL.md §4): the recorded ones rebuilt byte for byte, the variants, and truncation.</summary>
public sealed class BinaryFrameParserTests
{
    private const string RecordedMetadata =
        """{"node_id": "2", "prompt_id": "e067a858-68fe-43cd-bf91-592d4b3e2bb7", "display_node_id": "2", "parent_node_id": null, "real_node_id": "2", "image_type": "image/png"}""";

    public static TheoryData<int> RecordedBinaryLines()
    {
        var data = new TheoryData<int>();
        foreach (var frame in RecordedFrames.Binary)
        {
            data.Add(frame.Line);
        }

        return data;
    }

    [Fact]
    public void Fixture_HasEveryRecordedBinaryFrame()
    {
        Assert.Equal(6, RecordedFrames.Binary.Count);
        Assert.Equal([1u, 1u, 1u, 4u, 4u, 4u], RecordedFrames.Binary.Select(f => f.EventType));
        Assert.Equal(RecordedMetadata, RecordedFrames.Binary[3].MetadataJson);
    }

    [Theory]
    [MemberData(nameof(RecordedBinaryLines))]
    public void ParseBinary_RecordedFrameRebuiltFromItsDescription_MatchesTheDescription(int line)
    {
        var recorded = RecordedFrames.Binary.Single(f => f.Line == line);
        var description = recorded.Description;
        var frame = recorded.Rebuild();

        // The rebuilt bytes are the recorded frame: its size and its first 16 bytes as the transcript shows them.
        Assert.Equal(description.GetProperty("frame_bytes").GetInt32(), frame.Length);
        Assert.Equal(description.GetProperty("first_16_bytes_hex").GetString(), Convert.ToHexStringLower(frame.AsSpan(0, 16)));

        var preview = Assert.IsType<PreviewImageEvent>(ComfyEventParser.ParseBinary(frame));

        Assert.Equal(description.GetProperty("image_bytes").GetInt32(), preview.Image.Length);
        Assert.Equal(description.GetProperty("magic_hex").GetString(), Convert.ToHexStringLower(preview.Image.Span[..8]));
        Assert.Equal("image/png", preview.MimeType);
        Assert.Equal(RecordedFrames.GreenPng, preview.Image.ToArray());
        if (recorded.EventType == 4)
        {
            var metadata = description.GetProperty("metadata");
            Assert.True(preview.HasMetadata);
            Assert.Equal(ComfyEventTypes.PreviewImageWithMetadata, preview.Type);
            Assert.Equal(metadata.GetProperty("prompt_id").GetString(), preview.PromptId);
            Assert.Equal(metadata.GetProperty("node_id").GetString(), preview.NodeId);
            Assert.Equal(metadata.GetProperty("display_node_id").GetString(), preview.DisplayNodeId);
            Assert.Null(preview.ParentNodeId);
            Assert.Equal(metadata.GetProperty("real_node_id").GetString(), preview.RealNodeId);
            Assert.Equal(metadata.GetProperty("image_type").GetString(), preview.DeclaredMimeType);
        }
        else
        {
            Assert.False(preview.HasMetadata);
            Assert.Equal(ComfyEventTypes.PreviewImage, preview.Type);
            Assert.Null(preview.PromptId);
            Assert.Null(preview.NodeId);
            Assert.Equal("image/png", preview.DeclaredMimeType);
        }
    }

    [Fact]
    public void ParseBinary_Type1Jpeg_IsJpegPreviewWithoutIds()
    {
        var jpeg = RecordedFrames.GreenJpeg;

        var preview = Assert.IsType<PreviewImageEvent>(ComfyEventParser.ParseBinary(RecordedFrames.Type1(1, jpeg)));

        Assert.Equal("image/jpeg", preview.MimeType);
        Assert.Equal("image/jpeg", preview.DeclaredMimeType);
        Assert.Equal(jpeg, preview.Image.ToArray());
        Assert.Null(preview.PromptId);
        Assert.False(preview.HasMetadata);
    }

    [Fact]
    public void ParseBinary_Type1LabelledJpegCarryingPng_TrustsTheMagicBytes()
    {
        var preview = Assert.IsType<PreviewImageEvent>(ComfyEventParser.ParseBinary(RecordedFrames.Type1(1, RecordedFrames.GreenPng)));

        Assert.Equal("image/png", preview.MimeType);
        Assert.Equal("image/jpeg", preview.DeclaredMimeType);
    }

    [Fact]
    public void ParseBinary_Type1CarryingWebp_IsSniffedAsWebp()
    {
        // A custom node passing WEBP keeps label 1 (PROTOCOL.md §4.1); only the RIFF....WEBP header matters here.
        byte[] webp = [.. "RIFF"u8, 0x1A, 0, 0, 0, .. "WEBPVP8 "u8, 0x0E, 0, 0, 0, 0x30, 0x01, 0, 0x9D, 0x01, 0x2A, 1, 0, 1, 0, 0, 0, 0, 0];

        var preview = Assert.IsType<PreviewImageEvent>(ComfyEventParser.ParseBinary(RecordedFrames.Type1(1, webp)));

        Assert.Equal("image/webp", preview.MimeType);
    }

    [Theory]
    [InlineData(1u, "image/jpeg")]
    [InlineData(2u, "image/png")]
    [InlineData(9u, "application/octet-stream")]
    public void ParseBinary_Type1WithUnrecognisedBytes_FallsBackToTheLabel(uint format, string expected)
    {
        var preview = Assert.IsType<PreviewImageEvent>(ComfyEventParser.ParseBinary(RecordedFrames.Type1(format, [1, 2, 3, 4])));

        Assert.Equal(expected, preview.MimeType);
    }

    [Fact]
    public void ParseBinary_Type4WithJpegAndParent_ReadsEveryId()
    {
        const string metadata = """{"node_id":"5.0.0.1","prompt_id":"p-1","display_node_id":"5","parent_node_id":"5","real_node_id":"5.0.0.1","image_type":"image/jpeg","future":{"x":[1]}}""";

        var preview = Assert.IsType<PreviewImageEvent>(ComfyEventParser.ParseBinary(RecordedFrames.Type4(metadata, RecordedFrames.GreenJpeg)));

        Assert.Equal(
            new PreviewImageEvent(preview.Image, "image/jpeg", true, "p-1", "5.0.0.1", "5", "5", "5.0.0.1") { DeclaredMimeType = "image/jpeg" },
            preview);
        Assert.Equal(RecordedFrames.GreenJpeg, preview.Image.ToArray());
    }

    [Fact]
    public void ParseBinary_Type4_ImageIsASliceOfTheFrameNotACopy()
    {
        var frame = RecordedFrames.Type4(RecordedMetadata, RecordedFrames.GreenPng);

        var preview = Assert.IsType<PreviewImageEvent>(ComfyEventParser.ParseBinary(frame));

        Assert.True(MemoryMarshal.TryGetArray(preview.Image, out var segment));
        Assert.Same(frame, segment.Array);
        Assert.Equal(8 + 165, segment.Offset);
        Assert.Equal(230, segment.Count);
    }

    [Fact]
    public void ParseBinary_Type1InsideLargerBuffer_ImageIsASliceAtTheRightOffset()
    {
        // The socket layer may hand out a frame that is itself a window of a bigger receive buffer.
        var frame = RecordedFrames.Type1(2, RecordedFrames.GreenPng);
        var buffer = new byte[frame.Length + 20];
        frame.CopyTo(buffer, 10);

        var preview = Assert.IsType<PreviewImageEvent>(ComfyEventParser.ParseBinary(buffer.AsMemory(10, frame.Length)));

        Assert.True(MemoryMarshal.TryGetArray(preview.Image, out var segment));
        Assert.Same(buffer, segment.Array);
        Assert.Equal(10 + 8, segment.Offset);
        Assert.Equal(230, segment.Count);
    }

    [Fact]
    public void ParseBinary_Type3_ReadsNodeIdAndText()
    {
        var frame = RecordedFrames.Type3("12", "width: 64, height: 64\nbatch size: 3 — ok");

        var text = Assert.IsType<ProgressTextEvent>(ComfyEventParser.ParseBinary(frame));

        Assert.Equal(new ProgressTextEvent("12", "width: 64, height: 64\nbatch size: 3 — ok", null), text);
        Assert.Equal(ComfyEventTypes.ProgressText, text.Type);
    }

    [Fact]
    public void ParseBinary_Type3VariantWithPromptId_ReadsAllThreeWhenFlagged()
    {
        var frame = RecordedFrames.Type3("7", "Task queued", promptId: "0f1e2d3c-0000-4000-8000-000000000001");

        var text = Assert.IsType<ProgressTextEvent>(ComfyEventParser.ParseBinary(frame, textFramesCarryPromptId: true));

        Assert.Equal(new ProgressTextEvent("7", "Task queued", "0f1e2d3c-0000-4000-8000-000000000001"), text);
    }

    [Fact]
    public void ParseBinary_Type3WithEmptyText_HasEmptyText()
    {
        var text = Assert.IsType<ProgressTextEvent>(ComfyEventParser.ParseBinary(RecordedFrames.Type3("3", "")));

        Assert.Equal(string.Empty, text.Text);
        Assert.Equal("3", text.NodeId);
    }

    [Fact]
    public void ParseBinary_UnknownEventType_KeepsTypeAndPayloadSlice()
    {
        byte[] frame = [0, 0, 0x01, 0x00, 9, 8, 7];

        var unknown = Assert.IsType<UnknownBinaryEvent>(ComfyEventParser.ParseBinary(frame));

        Assert.Equal(256u, unknown.EventType);
        Assert.Equal([9, 8, 7], unknown.Data.ToArray());
        Assert.True(MemoryMarshal.TryGetArray(unknown.Data, out var segment));
        Assert.Same(frame, segment.Array);
        Assert.Equal(4, segment.Offset);
        Assert.Equal(ComfyEventTypes.UnknownBinary, unknown.Type);
    }

    [Fact]
    public void ParseBinary_Type2NeverOnTheWire_IsUnknown()
    {
        var unknown = Assert.IsType<UnknownBinaryEvent>(ComfyEventParser.ParseBinary(new byte[] { 0, 0, 0, 2 }));

        Assert.Equal(2u, unknown.EventType);
        Assert.True(unknown.Data.IsEmpty);
    }

    [Theory]
    [InlineData(new byte[0], "shorter than its 4-byte event type")]
    [InlineData(new byte[] { 0, 0, 0 }, "shorter than its 4-byte event type")]
    [InlineData(new byte[] { 0, 0, 0, 1, 0, 0, 0 }, "shorter than its 8-byte header")]
    [InlineData(new byte[] { 0, 0, 0, 4, 0, 0 }, "ends before the length of its metadata")]
    [InlineData(new byte[] { 0, 0, 0, 4, 0, 0, 0, 10, (byte)'{', (byte)'}' }, "metadata of 10 bytes but only 2 follow")]
    [InlineData(new byte[] { 0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF, (byte)'{', (byte)'}' }, "metadata of 4294967295 bytes")]
    [InlineData(new byte[] { 0, 0, 0, 3 }, "ends before the length of its node id")]
    [InlineData(new byte[] { 0, 0, 0, 3, 0, 0, 0, 5, (byte)'1' }, "node id of 5 bytes but only 1 follow")]
    public void ParseBinary_TruncatedFrame_ThrowsProtocolException(byte[] frame, string expected)
    {
        var error = Assert.Throws<ComfyProtocolException>(() => ComfyEventParser.ParseBinary(frame));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseBinary_Type3VariantWithPromptIdPastTheEnd_ThrowsProtocolException()
    {
        var frame = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(frame, 3);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), 36);

        var error = Assert.Throws<ComfyProtocolException>(() => ComfyEventParser.ParseBinary(frame, textFramesCarryPromptId: true));

        Assert.Contains("prompt id of 36 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseBinary_Type3VariantWithoutRoomForNodeIdLength_ThrowsProtocolException()
    {
        var frame = new byte[10];
        BinaryPrimitives.WriteUInt32BigEndian(frame, 3);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), 2);

        var error = Assert.Throws<ComfyProtocolException>(() => ComfyEventParser.ParseBinary(frame, textFramesCarryPromptId: true));

        Assert.Contains("ends before the length of its node id", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"node_id\": ")]
    [InlineData("not json")]
    public void ParseBinary_Type4WithInvalidMetadataJson_ThrowsProtocolException(string metadata)
    {
        var error = Assert.Throws<ComfyProtocolException>(() => ComfyEventParser.ParseBinary(RecordedFrames.Type4(metadata, RecordedFrames.GreenPng)));

        Assert.Contains("metadata is not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]", "not a JSON object")]
    [InlineData("""{"prompt_id": 5}""", "preview.prompt_id")]
    public void ParseBinary_Type4WithWrongMetadataShape_ThrowsProtocolException(string metadata, string expected)
    {
        var error = Assert.Throws<ComfyProtocolException>(() => ComfyEventParser.ParseBinary(RecordedFrames.Type4(metadata, RecordedFrames.GreenPng)));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseBinary_Type4WithEmptyImage_IsAnEmptySlice()
    {
        var preview = Assert.IsType<PreviewImageEvent>(ComfyEventParser.ParseBinary(RecordedFrames.Type4("{}", [])));

        Assert.True(preview.Image.IsEmpty);
        Assert.Equal("application/octet-stream", preview.MimeType);
        Assert.Null(preview.PromptId);
    }

    [Fact]
    public void ParseBinary_Type3WithInvalidUtf8_ReplacesRatherThanThrows()
    {
        byte[] frame = [0, 0, 0, 3, 0, 0, 0, 1, (byte)'4', 0xFF, (byte)'a'];

        var text = Assert.IsType<ProgressTextEvent>(ComfyEventParser.ParseBinary(frame));

        Assert.Equal("\uFFFDa", text.Text);
        Assert.Equal(Encoding.UTF8.GetString(frame.AsSpan(9)), text.Text);
    }
}
