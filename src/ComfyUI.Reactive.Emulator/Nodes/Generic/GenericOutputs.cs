using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using ComfyUI.Reactive.Emulator.Files;
using ComfyUI.Reactive.Emulator.Sockets;
using SkiaSharp;

namespace ComfyUI.Reactive.Emulator.Nodes.Generic;

/// <summary>
/// What the 0.3.64 output nodes write and report (their <c>{"ui": …}</c> results, read in nodes.py and comfy_extras):
/// the same folders, file names and UI keys. Images are real PNG/WEBP pictures of the node's input; model saves are
/// valid (empty) safetensors and GLBs valid (empty) glTF; audio and video files hold a short placeholder, not media.
/// </summary>
internal static class GenericOutputs
{
    private static readonly byte[] Placeholder = "comfyui-emulator placeholder: no media encoder here"u8.ToArray();

    /// <summary>Writes the node's files and returns its UI JSON; null for nodes that report nothing (the model savers).</summary>
    public static byte[]? Write(string classType, NodeContext context, Shape shape)
    {
        var prefix = context.Inputs.TryGetValue("filename_prefix", out var p) && p is string s ? s : "ComfyUI";
        switch (classType)
        {
            case "SaveLatent":
                return Files(context, "output", prefix, [SafeTensors()], "latent", "latents");
            case "MaskPreview":
                return Files(context, "temp", FileStore.RandomPreviewPrefix(), Pngs(context, shape), "png", "images");
            case "SaveAnimatedWEBP":
                return Files(context, "output", prefix, [Encode(context, shape, SKEncodedImageFormat.Webp)], "webp", "images", animated: shape.Batch > 1);
            case "SaveAnimatedPNG":
                return Files(context, "output", prefix, [Encode(context, shape, SKEncodedImageFormat.Png)], "png", "images", animated: true);
            case "SaveSVGNode":
                return Files(context, "output", prefix, [Svg(shape)], "svg", "images");
            case "LossGraphNode":
                return Files(context, "temp", prefix, [Encode(context, shape, SKEncodedImageFormat.Png)], "png", "images");
            case "SaveAudio":
                return Files(context, "output", prefix, [Placeholder], "flac", "audio");
            case "SaveAudioMP3":
                return Files(context, "output", prefix, [Placeholder], "mp3", "audio");
            case "SaveAudioOpus":
                return Files(context, "output", prefix, [Placeholder], "opus", "audio");
            case "PreviewAudio":
                return Files(context, "temp", FileStore.RandomPreviewPrefix(), [Placeholder], "flac", "audio");
            case "SaveWEBM":
                return Files(context, "output", prefix, [Placeholder], "webm", "images", animated: true);
            case "SaveVideo":
                return Files(context, "output", prefix, [Placeholder], "mp4", "images", animated: true);
            case "SaveGLB":
                return Files(context, "output", prefix, [Glb()], "glb", "3d");
            case "Preview3D" or "Preview3DAnimation":
                return Preview3D(context);
            case "CheckpointSave" or "CLIPSave" or "VAESave" or "ModelSave" or "ImageOnlyCheckpointSave" or "LoraSave" or "SaveLoRANode":
                context.Files.SaveFiles("output", prefix, [SafeTensors()], "safetensors");
                return null;
            default:
                // An output node of an imported object_info that the emulator does not know: images are saved like SaveImage.
                return context.Inputs.Values.OfType<ImageTensor>().Any()
                    ? Files(context, "output", prefix, Pngs(context, shape), "png", "images")
                    : null;
        }
    }

    private static byte[] Files(NodeContext context, string type, string prefix, IReadOnlyList<byte[]> contents, string extension, string key, bool? animated = null)
    {
        var saved = context.Files.SaveFiles(type, prefix, contents, extension);
        return JsonFrames.Write((saved, type, key, animated), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteStartArray(s.key);
            foreach (var (file, sub) in s.saved)
            {
                w.WriteStartObject();
                w.WriteString("filename", file);
                w.WriteString("subfolder", sub);
                w.WriteString("type", s.type);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (s.animated is { } a)
            {
                w.WriteStartArray("animated");
                w.WriteBooleanValue(a);
                w.WriteEndArray();
            }

            w.WriteEndObject();
        });
    }

    /// <summary><c>{"result": [model_file, camera_info]}</c>: Preview3D only shows what it was given.</summary>
    private static byte[] Preview3D(NodeContext context)
    {
        var file = context.Inputs.TryGetValue("model_file", out var f) && f is string s ? s : string.Empty;
        return JsonFrames.Write(file, static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteStartArray("result");
            w.WriteStringValue(s);
            w.WriteNullValue();
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>One PNG per image (or per mask, as grey) of the node's input; a grey picture when it has neither.</summary>
    private static List<byte[]> Pngs(NodeContext context, Shape shape)
    {
        var image = Picture(context, shape);
        return Enumerable.Range(0, image.Batch).Select(b => ImageCodec.EncodePng(image, b)).ToList();
    }

    private static byte[] Encode(NodeContext context, Shape shape, SKEncodedImageFormat format)
    {
        using var bitmap = ImageCodec.ToBitmap(Picture(context, shape), 0);
        return ImageCodec.Encode(bitmap, format, 90);
    }

    private static ImageTensor Picture(NodeContext context, Shape shape)
    {
        foreach (var value in context.Inputs.Values)
        {
            switch (value)
            {
                case ImageTensor image:
                    return image;
                case MaskTensor mask:
                    return new ImageTensor(mask.Batch, mask.Height, mask.Width, 1, mask.Data);
            }
        }

        return (ImageTensor)GenericValues.Create("IMAGE", "output", new Dictionary<string, object?>(), shape)!;
    }

    private static byte[] Svg(Shape shape) => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{shape.Width}\" height=\"{shape.Height}\"><rect width=\"100%\" height=\"100%\" fill=\"#808080\"/></svg>"));

    /// <summary>A valid safetensors file with no tensors: an 8-byte header length, then the JSON header padded to 8 bytes.</summary>
    private static byte[] SafeTensors()
    {
        var header = """{"__metadata__":{"format":"pt","generator":"comfyui-emulator"}}""";
        header = header.PadRight((header.Length + 7) / 8 * 8);
        var bytes = new byte[8 + header.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        Encoding.ASCII.GetBytes(header, bytes.AsSpan(8));
        return bytes;
    }

    /// <summary>A valid binary glTF 2.0 with an empty scene: the 12-byte header and one JSON chunk.</summary>
    private static byte[] Glb()
    {
        var json = """{"asset":{"version":"2.0","generator":"comfyui-emulator"},"scenes":[{}],"scene":0}""";
        json = json.PadRight((json.Length + 3) / 4 * 4);
        var bytes = new byte[12 + 8 + json.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, 0x46546C67);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)bytes.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), (uint)json.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), 0x4E4F534A);
        Encoding.ASCII.GetBytes(json, bytes.AsSpan(20));
        return bytes;
    }
}
