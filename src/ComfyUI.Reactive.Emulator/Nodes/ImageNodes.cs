using System.Globalization;
using ComfyUI.Reactive.Emulator.Files;
using SkiaSharp;

namespace ComfyUI.Reactive.Emulator.Nodes;

/// <summary><c>EmptyImage</c>: a batch filled with one 0xRRGGBB colour.</summary>
internal sealed class EmptyImageNode : NodeBehavior
{
    public override string ClassType => "EmptyImage";

    public override ValueTask<NodeResult> ExecuteAsync(NodeContext context)
    {
        var w = (int)context.GetInt("width");
        var h = (int)context.GetInt("height");
        var b = (int)context.GetInt("batch_size");
        var color = context.GetInt("color");
        float r = ((color >> 16) & 0xFF) / 255f, g = ((color >> 8) & 0xFF) / 255f, bl = (color & 0xFF) / 255f;
        var image = new ImageTensor(b, h, w, 3);
        var d = image.Data;
        for (var i = 0; i < d.Length; i += 3)
        {
            d[i] = r;
            d[i + 1] = g;
            d[i + 2] = bl;
        }

        return ValueTask.FromResult(new NodeResult([image]));
    }
}

/// <summary><c>ImageInvert</c>: 1 − x on every channel.</summary>
internal sealed class ImageInvertNode : NodeBehavior
{
    public override string ClassType => "ImageInvert";

    public override ValueTask<NodeResult> ExecuteAsync(NodeContext context)
    {
        var src = context.Get<ImageTensor>("image");
        var dst = new ImageTensor(src.Batch, src.Height, src.Width, src.Channels);
        for (var i = 0; i < dst.Data.Length; i++)
        {
            dst.Data[i] = 1f - src.Data[i];
        }

        return ValueTask.FromResult(new NodeResult([dst]));
    }
}

/// <summary><c>ImageScale</c>: resizes every image (optionally centre-cropping to the target aspect first).</summary>
internal sealed class ImageScaleNode : NodeBehavior
{
    public override string ClassType => "ImageScale";

    public override ValueTask<NodeResult> ExecuteAsync(NodeContext context)
    {
        var src = context.Get<ImageTensor>("image");
        var w = (int)context.GetInt("width");
        var h = (int)context.GetInt("height");
        if (w == 0 && h == 0)
        {
            return ValueTask.FromResult(new NodeResult([src]));
        }

        if (w == 0)
        {
            w = Math.Max(1, (int)Math.Round(src.Width * (h / (double)src.Height)));
        }
        else if (h == 0)
        {
            h = Math.Max(1, (int)Math.Round(src.Height * (w / (double)src.Width)));
        }

        return ValueTask.FromResult(new NodeResult([Resize(src, w, h, context.Get<string>("upscale_method"), context.Get<string>("crop") == "center")]));
    }

    public static ImageTensor Resize(ImageTensor src, int w, int h, string method, bool centerCrop)
    {
        var sampling = method switch
        {
            "nearest-exact" => new SKSamplingOptions(SKFilterMode.Nearest, SKMipmapMode.None),
            "bicubic" => new SKSamplingOptions(SKCubicResampler.Mitchell),
            "lanczos" => new SKSamplingOptions(SKCubicResampler.CatmullRom),
            "area" => new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear),
            _ => new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None),
        };
        var dst = new ImageTensor(src.Batch, h, w, src.Channels);
        for (var b = 0; b < src.Batch; b++)
        {
            using var bitmap = ImageCodec.ToBitmap(src, b);
            var rect = new SKRect(0, 0, src.Width, src.Height);
            if (centerCrop)
            {
                var oldAspect = src.Width / (double)src.Height;
                var newAspect = w / (double)h;
                if (oldAspect > newAspect)
                {
                    var x = (float)Math.Round((src.Width - (src.Width * (newAspect / oldAspect))) / 2);
                    rect = new SKRect(x, 0, src.Width - x, src.Height);
                }
                else if (oldAspect < newAspect)
                {
                    var y = (float)Math.Round((src.Height - (src.Height * (oldAspect / newAspect))) / 2);
                    rect = new SKRect(0, y, src.Width, src.Height - y);
                }
            }

            using var target = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, bitmap.AlphaType));
            using (var canvas = new SKCanvas(target))
            using (var image = SKImage.FromBitmap(bitmap))
            {
                canvas.DrawImage(image, rect, new SKRect(0, 0, w, h), sampling);
            }

            CopyInto(target, dst, b);
        }

        return dst;
    }

    public static void CopyInto(SKBitmap bitmap, ImageTensor dst, int index)
    {
        var bytes = bitmap.GetPixelSpan();
        var d = dst.Data.AsSpan(index * dst.ImageSize, dst.ImageSize);
        var c = dst.Channels;
        for (int p = 0, s = 0; s < d.Length; p += 4, s += c)
        {
            for (var k = 0; k < c; k++)
            {
                d[s + k] = bytes[p + k] / 255f;
            }
        }
    }
}

/// <summary>The Gaussian kernel of <c>comfy_extras.nodes_post_processing</c> (separable), and the filters built on it.</summary>
internal static class GaussianFilter
{
    /// <summary>ComfyUI samples the Gaussian on linspace(−1, 1, size), so sigma is relative to the kernel radius.</summary>
    public static float[] Kernel(int radius, double sigma)
    {
        var size = (radius * 2) + 1;
        var k = new float[size];
        double sum = 0;
        for (var i = 0; i < size; i++)
        {
            var x = size == 1 ? 0 : -1 + (2.0 * i / (size - 1));
            var g = Math.Exp(-(x * x) / (2 * sigma * sigma));
            k[i] = (float)g;
            sum += g;
        }

        for (var i = 0; i < size; i++)
        {
            k[i] = (float)(k[i] / sum);
        }

        return k;
    }

    public static ImageTensor Blur(ImageTensor src, int radius, double sigma)
    {
        var k = Kernel(radius, sigma);
        var tmp = new ImageTensor(src.Batch, src.Height, src.Width, src.Channels);
        var dst = new ImageTensor(src.Batch, src.Height, src.Width, src.Channels);
        int w = src.Width, h = src.Height, c = src.Channels;
        for (var b = 0; b < src.Batch; b++)
        {
            var off = b * src.ImageSize;
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    for (var ch = 0; ch < c; ch++)
                    {
                        float acc = 0;
                        for (var i = -radius; i <= radius; i++)
                        {
                            acc += k[i + radius] * src.Data[off + (((y * w) + Reflect(x + i, w)) * c) + ch];
                        }

                        tmp.Data[off + (((y * w) + x) * c) + ch] = acc;
                    }
                }
            }

            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    for (var ch = 0; ch < c; ch++)
                    {
                        float acc = 0;
                        for (var i = -radius; i <= radius; i++)
                        {
                            acc += k[i + radius] * tmp.Data[off + (((Reflect(y + i, h) * w) + x) * c) + ch];
                        }

                        dst.Data[off + (((y * w) + x) * c) + ch] = acc;
                    }
                }
            }
        }

        return dst;
    }

    private static int Reflect(int i, int n)
    {
        if (n == 1)
        {
            return 0;
        }

        var period = 2 * (n - 1);
        i = Math.Abs(i) % period;
        return i < n ? i : period - i;
    }
}

/// <summary><c>ImageBlur</c>.</summary>
internal sealed class ImageBlurNode : NodeBehavior
{
    public override string ClassType => "ImageBlur";

    public override ValueTask<NodeResult> ExecuteAsync(NodeContext context)
    {
        var src = context.Get<ImageTensor>("image");
        var radius = (int)context.GetInt("blur_radius");
        return ValueTask.FromResult(new NodeResult([radius == 0 ? src : GaussianFilter.Blur(src, radius, context.GetFloat("sigma"))]));
    }
}

/// <summary><c>ImageSharpen</c>: the kernel −10α·G with its centre raised to sum 1, i.e. x + 10α(x − blur(x)), clamped.</summary>
internal sealed class ImageSharpenNode : NodeBehavior
{
    public override string ClassType => "ImageSharpen";

    public override ValueTask<NodeResult> ExecuteAsync(NodeContext context)
    {
        var src = context.Get<ImageTensor>("image");
        var radius = (int)context.GetInt("sharpen_radius");
        var alpha = (float)context.GetFloat("alpha");
        if (radius == 0)
        {
            return ValueTask.FromResult(new NodeResult([src]));
        }

        var blurred = GaussianFilter.Blur(src, radius, context.GetFloat("sigma"));
        var dst = new ImageTensor(src.Batch, src.Height, src.Width, src.Channels);
        var a = alpha * 10f;
        for (var i = 0; i < dst.Data.Length; i++)
        {
            dst.Data[i] = Math.Clamp(src.Data[i] + (a * (src.Data[i] - blurred.Data[i])), 0f, 1f);
        }

        return ValueTask.FromResult(new NodeResult([dst]));
    }
}

/// <summary><c>SolidMask</c>.</summary>
internal sealed class SolidMaskNode : NodeBehavior
{
    public override string ClassType => "SolidMask";

    public override ValueTask<NodeResult> ExecuteAsync(NodeContext context)
    {
        var w = (int)context.GetInt("width");
        var h = (int)context.GetInt("height");
        var data = new float[w * h];
        Array.Fill(data, (float)context.GetFloat("value"));
        return ValueTask.FromResult(new NodeResult([new MaskTensor(1, h, w, data)]));
    }
}

/// <summary><c>MaskToImage</c>: the mask repeated into three channels.</summary>
internal sealed class MaskToImageNode : NodeBehavior
{
    public override string ClassType => "MaskToImage";

    public override ValueTask<NodeResult> ExecuteAsync(NodeContext context)
    {
        var mask = context.Get<MaskTensor>("mask");
        var image = new ImageTensor(mask.Batch, mask.Height, mask.Width, 3);
        for (var i = 0; i < mask.Data.Length; i++)
        {
            image.Data[i * 3] = image.Data[(i * 3) + 1] = image.Data[(i * 3) + 2] = mask.Data[i];
        }

        return ValueTask.FromResult(new NodeResult([image]));
    }
}

/// <summary>
/// <c>ImageBatch</c>: rescales image2 to image1's size and concatenates; like <c>torch.cat</c> it fails when the
/// channel counts differ (the recorded runtime error of transcripts §7).
/// </summary>
internal sealed class ImageBatchNode : NodeBehavior
{
    public override string ClassType => "ImageBatch";

    public override ValueTask<NodeResult> ExecuteAsync(NodeContext context)
    {
        var a = context.Get<ImageTensor>("image1");
        var b = context.Get<ImageTensor>("image2");
        if (b.Width != a.Width || b.Height != a.Height)
        {
            b = ImageScaleNode.Resize(b, a.Width, a.Height, "bilinear", centerCrop: true);
        }

        if (a.Channels != b.Channels)
        {
            throw new NodeExecutionException(
                "RuntimeError",
                string.Create(CultureInfo.InvariantCulture, $"Sizes of tensors must match except in dimension 0. Expected size {a.Channels} but got size {b.Channels} for tensor number 1 in the list."));
        }

        var dst = new ImageTensor(a.Batch + b.Batch, a.Height, a.Width, a.Channels);
        a.Data.CopyTo(dst.Data, 0);
        b.Data.CopyTo(dst.Data, a.Data.Length);
        return ValueTask.FromResult(new NodeResult([dst]));
    }
}

/// <summary><c>JoinImageWithAlpha</c>: RGB plus alpha = 1 − mask, giving a 4-channel image.</summary>
internal sealed class JoinImageWithAlphaNode : NodeBehavior
{
    public override string ClassType => "JoinImageWithAlpha";

    public override ValueTask<NodeResult> ExecuteAsync(NodeContext context)
    {
        var image = context.Get<ImageTensor>("image");
        var mask = context.Get<MaskTensor>("alpha");
        var batch = Math.Max(image.Batch, mask.Batch);
        var dst = new ImageTensor(batch, image.Height, image.Width, 4);
        for (var b = 0; b < batch; b++)
        {
            var ib = Math.Min(b, image.Batch - 1);
            var mb = Math.Min(b, mask.Batch - 1);
            for (var y = 0; y < image.Height; y++)
            {
                for (var x = 0; x < image.Width; x++)
                {
                    var s = (ib * image.ImageSize) + (((y * image.Width) + x) * image.Channels);
                    var d = (b * dst.ImageSize) + (((y * image.Width) + x) * 4);
                    dst.Data[d] = image.Data[s];
                    dst.Data[d + 1] = image.Data[s + Math.Min(1, image.Channels - 1)];
                    dst.Data[d + 2] = image.Data[s + Math.Min(2, image.Channels - 1)];
                    var my = y * mask.Height / image.Height;
                    var mx = x * mask.Width / image.Width;
                    dst.Data[d + 3] = 1f - mask.Data[(mb * mask.Width * mask.Height) + (my * mask.Width) + mx];
                }
            }
        }

        return ValueTask.FromResult(new NodeResult([dst]));
    }
}

/// <summary><c>LoadImage</c>: reads an input file; its own validation rejects missing files ("Invalid image file").</summary>
internal sealed class LoadImageNode : NodeBehavior
{
    public override string ClassType => "LoadImage";

    public override IReadOnlyList<string> CustomValidatedInputs => ["image"];

    public override string? ValidateInputs(IReadOnlyDictionary<string, object?> constants, FileStore files)
    {
        var name = constants.TryGetValue("image", out var v) ? v as string : null;
        var path = name is null ? null : files.ResolveAnnotated(name);
        return path is not null && File.Exists(path) ? null : $"Invalid image file: {name}";
    }

    public override string? Fingerprint(IReadOnlyDictionary<string, object?> constants, FileStore files)
    {
        var path = constants.TryGetValue("image", out var v) && v is string name ? files.ResolveAnnotated(name) : null;
        return path is not null && File.Exists(path)
            ? Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)))
            : null;
    }

    public override ValueTask<NodeResult> ExecuteAsync(NodeContext context)
    {
        var name = context.Get<string>("image");
        var path = context.Files.ResolveAnnotated(name);
        if (path is null || !File.Exists(path))
        {
            throw new NodeExecutionException("FileNotFoundError", $"[Errno 2] No such file or directory: '{name}'");
        }

        var (image, mask) = ImageCodec.Decode(File.ReadAllBytes(path));
        return ValueTask.FromResult(new NodeResult([image, mask]));
    }
}
