using System.Buffers.Binary;
using System.Text;
using BenchmarkDotNet.Attributes;
using ComfyUI.Reactive.Events;

namespace ComfyUI.Reactive.Benchmarks.Decoding;

/// <summary>
/// Decoding of recorded websocket frames (docs/benchmarks.md, "Frame decoding"). Targets: a <c>progress</c> frame in
/// under 1 µs with at most 2 allocations; preview images handed out without copying.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class FrameDecodingBenchmarks
{
    // Verbatim from shared/protocol/real-transcripts.md (section 13a and section 4; progress_state: 13a's last).
    private const string ProgressFrame =
        """{"type": "progress", "data": {"value": 1, "max": 8, "prompt_id": "07596c0e-888c-48a2-95e0-1022cb3a08c4", "node": "2"}}""";

    private const string ExecutedFrame =
        """{"type": "executed", "data": {"node": "5", "display_node": "5", "output": {"images": [{"filename": "scaled_00001_.png", "subfolder": "sdk_pipeline", "type": "output"}, {"filename": "scaled_00002_.png", "subfolder": "sdk_pipeline", "type": "output"}]}, "prompt_id": "83ec74b7-f00b-4991-929a-531090723c6a"}}""";

    private const string ProgressStateFrame =
        """{"type": "progress_state", "data": {"prompt_id": "07596c0e-888c-48a2-95e0-1022cb3a08c4", "nodes": {"1": {"value": 1.0, "max": 1.0, "state": "finished", "node_id": "1", "prompt_id": "07596c0e-888c-48a2-95e0-1022cb3a08c4", "display_node_id": "1", "parent_node_id": null, "real_node_id": "1"}, "2": {"value": 8, "max": 8, "state": "finished", "node_id": "2", "prompt_id": "07596c0e-888c-48a2-95e0-1022cb3a08c4", "display_node_id": "2", "parent_node_id": null, "real_node_id": "2"}, "3": {"value": 1.0, "max": 1.0, "state": "finished", "node_id": "3", "prompt_id": "07596c0e-888c-48a2-95e0-1022cb3a08c4", "display_node_id": "3", "parent_node_id": null, "real_node_id": "3"}}}}""";

    // The type-4 metadata exactly as recorded in section 9b.
    private const string PreviewMetadata =
        """{"node_id": "2", "prompt_id": "e067a858-68fe-43cd-bf91-592d4b3e2bb7", "display_node_id": "2", "parent_node_id": null, "real_node_id": "2", "image_type": "image/png"}""";

    private const int PreviewImageBytes = 512 * 1024;

    private byte[] _progress = [];
    private byte[] _executed = [];
    private byte[] _progressState = [];
    private byte[] _type4Preview = [];
    private byte[] _type1Preview = [];

    [GlobalSetup]
    public void Setup()
    {
        _progress = Encoding.UTF8.GetBytes(ProgressFrame);
        _executed = Encoding.UTF8.GetBytes(ExecutedFrame);
        _progressState = Encoding.UTF8.GetBytes(ProgressStateFrame);

        // A 512 KB image body: the parser only looks at its magic bytes, so the rest may be anything.
        var image = new byte[PreviewImageBytes];
        new Random(42).NextBytes(image);
        ReadOnlySpan<byte> png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        png.CopyTo(image);

        var metadata = Encoding.UTF8.GetBytes(PreviewMetadata);
        _type4Preview = new byte[8 + metadata.Length + image.Length];
        BinaryPrimitives.WriteUInt32BigEndian(_type4Preview, 4);
        BinaryPrimitives.WriteUInt32BigEndian(_type4Preview.AsSpan(4), (uint)metadata.Length);
        metadata.CopyTo(_type4Preview.AsSpan(8));
        image.CopyTo(_type4Preview.AsSpan(8 + metadata.Length));

        _type1Preview = new byte[8 + image.Length];
        BinaryPrimitives.WriteUInt32BigEndian(_type1Preview, 1);
        BinaryPrimitives.WriteUInt32BigEndian(_type1Preview.AsSpan(4), 2);
        image.CopyTo(_type1Preview.AsSpan(8));
    }

    /// <summary>The recorded <c>progress</c> frame, as UTF-8 bytes from the socket.</summary>
    [Benchmark(Baseline = true)]
    public ComfyEvent Progress() => ComfyEventParser.ParseText(_progress);

    /// <summary>The same frame given as a string (encoded on the stack first).</summary>
    [Benchmark]
    public ComfyEvent ProgressFromString() => ComfyEventParser.ParseText(ProgressFrame);

    /// <summary>A recorded cumulative <c>progress_state</c> with three nodes.</summary>
    [Benchmark]
    public ComfyEvent ProgressState() => ComfyEventParser.ParseText(_progressState);

    /// <summary>A recorded <c>executed</c> with two image outputs.</summary>
    [Benchmark]
    public ComfyEvent ExecutedWithImages() => ComfyEventParser.ParseText(_executed);

    /// <summary>A 512 KB type-4 preview with the recorded metadata.</summary>
    [Benchmark]
    public ComfyEvent PreviewType4_512KB() => ComfyEventParser.ParseBinary(_type4Preview);

    /// <summary>A 512 KB type-1 preview.</summary>
    [Benchmark]
    public ComfyEvent PreviewType1_512KB() => ComfyEventParser.ParseBinary(_type1Preview);
}
