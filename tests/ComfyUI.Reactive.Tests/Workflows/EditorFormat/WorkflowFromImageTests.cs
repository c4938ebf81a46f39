using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Tests.Workflows.EditorFormat;

/// <summary>
/// Workflows embedded in ComfyUI outputs. The images are built here around the real texts of the fixture pair
/// <c>lora__lora_multiple</c> (which came from the PNG chunks of ComfyUI_examples' lora/lora_multiple.png), chunk by chunk
/// as ComfyUI's SaveImage (PNG tEXt) and SaveAnimatedWEBP (EXIF 0x0110/0x010F) write them.
/// </summary>
public sealed class WorkflowFromImageTests
{
    private static string Folder => Path.Combine(WorkflowFixtures.Root, "workflows", "editor");

    private static string Prompt => File.ReadAllText(Path.Combine(Folder, "lora__lora_multiple.api.json"));

    private static string Editor => File.ReadAllText(Path.Combine(Folder, "lora__lora_multiple.ui.json"));

    [Fact]
    public void FromImage_PngWithPromptText_ReturnsTheEmbeddedPrompt()
    {
        using var png = new MemoryStream(Png(Chunk("tEXt", Keyed("prompt", Encoding.Latin1.GetBytes(Prompt))), Chunk("tEXt", Keyed("workflow", Encoding.Latin1.GetBytes(Editor)))));

        var workflow = Workflow.FromImage(png);

        Assert.Empty(PromptComparer.Differences(JsonNode.Parse(Prompt)!.AsObject(), JsonNode.Parse(workflow.ToJson())!.AsObject()));
    }

    [Fact]
    public void FromImage_PngWithOnlyCompressedEditorWorkflow_ConvertsItWithTheCatalog()
    {
        var itxt = Keyed("workflow", [1, 0, 0, 0, .. Deflate(Encoding.UTF8.GetBytes(Editor))]);
        var bytes = Png(Chunk("iTXt", itxt));

        Assert.Throws<ComfyWorkflowFormatException>(() => Workflow.FromImage(new MemoryStream(bytes)));
        var workflow = Workflow.FromImage(new MemoryStream(bytes), WorkflowFixtures.Catalog);

        Assert.Empty(PromptComparer.Differences(JsonNode.Parse(Prompt)!.AsObject(), JsonNode.Parse(workflow.ToJson())!.AsObject()));
    }

    [Fact]
    public void ReadEmbedded_ZtxtChunk_IsInflated()
    {
        var bytes = Png(Chunk("zTXt", Keyed("prompt", [0, .. Deflate(Encoding.Latin1.GetBytes("{\"1\":{}}"))])));

        Assert.Equal("{\"1\":{}}", Workflow.ReadEmbedded(new MemoryStream(bytes)).Prompt);
    }

    [Fact]
    public void FromImage_WebpWithExifStrings_ReturnsTheEmbeddedPrompt()
    {
        var path = Path.Combine(Path.GetTempPath(), $"comfy-{Guid.NewGuid():N}.webp");
        File.WriteAllBytes(path, Webp(("prompt", Prompt), ("workflow", Editor)));
        try
        {
            var workflow = Workflow.FromImage(path);
            var embedded = Workflow.ReadEmbedded(File.OpenRead(path));

            Assert.Empty(PromptComparer.Differences(JsonNode.Parse(Prompt)!.AsObject(), JsonNode.Parse(workflow.ToJson())!.AsObject()));
            Assert.Equal(Editor, embedded.Editor);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FromImage_PngWithoutMetadata_ThrowsSayingSo()
    {
        var error = Assert.Throws<ComfyWorkflowFormatException>(() => Workflow.FromImage(new MemoryStream(Png())));

        Assert.Contains("--disable-metadata", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromImage_NotAnImage_Throws()
    {
        Assert.Throws<ComfyWorkflowFormatException>(() => Workflow.FromImage(new MemoryStream("GIF89a"u8.ToArray())));
    }

    private static byte[] Keyed(string key, byte[] body) => [.. Encoding.Latin1.GetBytes(key), 0, .. body];

    private static byte[] Chunk(string type, byte[] body)
    {
        var chunk = new byte[12 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)body.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        body.CopyTo(chunk, 8);
        return chunk; // the CRC is left zero: readers of metadata do not check it, and neither does ours
    }

    private static byte[] Png(params byte[][] chunks) =>
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. Chunk("IHDR", new byte[13]), .. chunks.SelectMany(c => c), .. Chunk("IEND", [])];

    private static byte[] Deflate(byte[] data)
    {
        using var output = new MemoryStream();
        using (var z = new ZLibStream(output, CompressionLevel.Optimal))
        {
            z.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>A WebP with an EXIF chunk: little-endian TIFF, IFD0 with ASCII tags 0x0110 and 0x010F holding "key:json".</summary>
    private static byte[] Webp(params (string Key, string Value)[] entries)
    {
        var strings = entries.Select(e => Encoding.UTF8.GetBytes($"{e.Key}:{e.Value}\0")).ToList();
        var ifdSize = 2 + (12 * entries.Length) + 4;
        var tiff = new List<byte>("II"u8.ToArray()) { 42, 0, 8, 0, 0, 0 };
        var header = new byte[ifdSize];
        BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)entries.Length);
        var dataAt = 8 + ifdSize;
        for (var i = 0; i < entries.Length; i++)
        {
            var e = header.AsSpan(2 + (i * 12));
            BinaryPrimitives.WriteUInt16LittleEndian(e, (ushort)(0x0110 - i));
            BinaryPrimitives.WriteUInt16LittleEndian(e[2..], 2);
            BinaryPrimitives.WriteUInt32LittleEndian(e[4..], (uint)strings[i].Length);
            BinaryPrimitives.WriteUInt32LittleEndian(e[8..], (uint)dataAt);
            dataAt += strings[i].Length;
        }

        tiff.AddRange(header);
        tiff.AddRange(strings.SelectMany(s => s));
        var exif = tiff.ToArray();
        var vp8 = new byte[10];
        byte[] body = [.. "WEBP"u8, .. RiffChunk("VP8 ", vp8), .. RiffChunk("EXIF", exif)];
        return [.. "RIFF"u8, .. BitConverter.GetBytes(body.Length), .. body];
    }

    private static byte[] RiffChunk(string type, byte[] body) =>
        [.. Encoding.ASCII.GetBytes(type), .. BitConverter.GetBytes(body.Length), .. body, .. (body.Length % 2 == 1 ? new byte[1] : [])];
}
