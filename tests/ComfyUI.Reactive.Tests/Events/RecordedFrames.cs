using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace ComfyUI.Reactive.Tests.Events;

/// <summary>The frames of the real transcript (Fixtures/real-*-frames.jsonl) and the images of the binary ones.</summary>
internal static class RecordedFrames
{
    private static readonly Lazy<IReadOnlyList<RecordedTextFrame>> TextFrames = new(LoadTextFrames);
    private static readonly Lazy<IReadOnlyList<RecordedBinaryFrame>> BinaryFrames = new(LoadBinaryFrames);

    public static IReadOnlyList<RecordedTextFrame> Text => TextFrames.Value;

    public static IReadOnlyList<RecordedBinaryFrame> Binary => BinaryFrames.Value;

    public static byte[] GreenPng => File.ReadAllBytes(FixturePath("green-64x64.png"));

    public static byte[] GreenJpeg => File.ReadAllBytes(FixturePath("green-64x64.jpg"));

    /// <summary>The recorded text frame at a transcript line.</summary>
    public static RecordedTextFrame AtLine(int line) => Text.Single(f => f.Line == line);

    /// <summary>The first recorded frame of a section that satisfies a condition on its JSON text.</summary>
    public static RecordedTextFrame First(string sectionPrefix, Func<string, bool> match) =>
        Text.First(f => f.Section.StartsWith(sectionPrefix, StringComparison.Ordinal) && match(f.Json));

    public static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    private static List<RecordedTextFrame> LoadTextFrames() =>
        [.. File.ReadLines(FixturePath("real-text-frames.jsonl")).Select(line =>
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            return new RecordedTextFrame(
                root.GetProperty("section").GetString()!,
                root.GetProperty("line").GetInt32(),
                root.GetProperty("frame").GetString()!);
        })];

    private static List<RecordedBinaryFrame> LoadBinaryFrames() =>
        [.. File.ReadLines(FixturePath("real-binary-frames.jsonl")).Select(line =>
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            return new RecordedBinaryFrame(
                root.GetProperty("section").GetString()!,
                root.GetProperty("line").GetInt32(),
                root.GetProperty("description").Clone(),
                root.TryGetProperty("metadata_json", out var metadata) ? metadata.GetString() : null);
        })];

    /// <summary>Builds a type-1 frame: <c>u32 1 | u32 format | image</c>.</summary>
    public static byte[] Type1(uint format, ReadOnlySpan<byte> image)
    {
        var frame = new byte[8 + image.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, 1);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), format);
        image.CopyTo(frame.AsSpan(8));
        return frame;
    }

    /// <summary>Builds a type-4 frame: <c>u32 4 | u32 metadata length | metadata | image</c>.</summary>
    public static byte[] Type4(string metadataJson, ReadOnlySpan<byte> image)
    {
        var metadata = Encoding.UTF8.GetBytes(metadataJson);
        var frame = new byte[8 + metadata.Length + image.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, 4);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)metadata.Length);
        metadata.CopyTo(frame.AsSpan(8));
        image.CopyTo(frame.AsSpan(8 + metadata.Length));
        return frame;
    }

    /// <summary>Builds a type-3 frame, optionally in the variant with a prompt id first.</summary>
    public static byte[] Type3(string nodeId, string text, string? promptId = null)
    {
        using var stream = new MemoryStream();
        WriteUInt32(stream, 3);
        if (promptId is not null)
        {
            WriteString(stream, promptId);
        }

        WriteString(stream, nodeId);
        var textBytes = Encoding.UTF8.GetBytes(text);
        stream.Write(textBytes);
        return stream.ToArray();

        static void WriteString(Stream stream, string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            WriteUInt32(stream, (uint)bytes.Length);
            stream.Write(bytes);
        }

        static void WriteUInt32(Stream stream, uint value)
        {
            Span<byte> buffer = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(buffer, value);
            stream.Write(buffer);
        }
    }
}

/// <summary>One received text frame of the transcript.</summary>
internal sealed record RecordedTextFrame(string Section, int Line, string Json)
{
    public override string ToString() => $"{Section} (line {Line})";
}

/// <summary>One received binary frame of the transcript, as its recorded description.</summary>
internal sealed record RecordedBinaryFrame(string Section, int Line, JsonElement Description, string? MetadataJson)
{
    public uint EventType => uint.Parse(Description.GetProperty("event_type").GetString()!.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Rebuilds the frame's bytes from its description and the recorded image.</summary>
    public byte[] Rebuild() => EventType switch
    {
        1 => RecordedFrames.Type1(
            uint.Parse(Description.GetProperty("image_type_field").GetString()!.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture),
            RecordedFrames.GreenPng),
        4 => RecordedFrames.Type4(MetadataJson!, RecordedFrames.GreenPng),
        _ => throw new InvalidOperationException($"No recorded frame of type {EventType} to rebuild."),
    };
}
