using System.Text;
using SkiaSharp;

namespace ComfyUI.Reactive.Emulator.Nodes;

/// <summary>
/// What a simulated sampler "drew": a deterministic function of seed and prompt text, rendered at any size and
/// at any degree of denoising (for step previews).
/// </summary>
internal sealed record SampledPicture(ulong Seed, string Positive, string Negative)
{
    public SKBitmap Render(int width, int height, double done)
    {
        var textHash = Fnv(Positive);
        var random = new Random(unchecked((int)(Seed ^ (Seed >> 32) ^ textHash)));
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        var top = HashColor(textHash);
        var bottom = HashColor(Fnv(Negative) ^ (textHash >> 7));
        using (var paint = new SKPaint())
        {
            paint.Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(0, height), [top, bottom], SKShaderTileMode.Clamp);
            canvas.DrawRect(0, 0, width, height, paint);
        }

        var shapes = 3 + random.Next(6);
        using (var paint = new SKPaint { IsAntialias = true })
        {
            for (var i = 0; i < shapes; i++)
            {
                paint.Color = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), 200);
                canvas.DrawCircle((float)(random.NextDouble() * width), (float)(random.NextDouble() * height), (float)((0.05 + (random.NextDouble() * 0.25)) * Math.Min(width, height)), paint);
            }
        }

        if (done < 1)
        {
            // Early steps look like noise, as latent previews do; the noise fades as sampling proceeds.
            var noise = new Random(unchecked((int)Seed));
            var pixels = bitmap.GetPixelSpan();
            var mix = 1 - Math.Clamp(done, 0, 1);
            var copy = pixels.ToArray();
            for (var p = 0; p < copy.Length; p += 4)
            {
                for (var k = 0; k < 3; k++)
                {
                    copy[p + k] = (byte)((copy[p + k] * (1 - mix)) + (noise.Next(256) * mix));
                }
            }

            System.Runtime.InteropServices.Marshal.Copy(copy, 0, bitmap.GetPixels(), copy.Length);
        }

        return bitmap;
    }

    private static SKColor HashColor(uint h) => new((byte)(h & 0xFF), (byte)((h >> 8) & 0xFF), (byte)((h >> 16) & 0xFF));

    private static uint Fnv(string s)
    {
        var h = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(s))
        {
            h = (h ^ b) * 16777619u;
        }

        return h;
    }
}

/// <summary><c>CheckpointLoaderSimple</c>: "loads" one of <see cref="ComfyEmulatorOptions.Checkpoints"/>.</summary>
internal sealed class CheckpointLoaderSimpleNode : NodeBehavior
{
    public override string ClassType => "CheckpointLoaderSimple";

    public override ValueTask<NodeResult> ExecuteAsync(NodeContext context)
    {
        var name = context.Get<string>("ckpt_name");
        return ValueTask.FromResult(new NodeResult([new ModelHandle(name, "MODEL"), new ModelHandle(name, "CLIP"), new ModelHandle(name, "VAE")]));
    }
}

/// <summary><c>CLIPTextEncode</c>: keeps the text as the conditioning.</summary>
internal sealed class ClipTextEncodeNode : NodeBehavior
{
    public override string ClassType => "CLIPTextEncode";

    public override ValueTask<NodeResult> ExecuteAsync(NodeContext context) =>
        ValueTask.FromResult(new NodeResult([new Conditioning(context.Get<string>("text"))]));
}

/// <summary><c>EmptyLatentImage</c>.</summary>
internal sealed class EmptyLatentImageNode : NodeBehavior
{
    public override string ClassType => "EmptyLatentImage";

    public override ValueTask<NodeResult> ExecuteAsync(NodeContext context) =>
        ValueTask.FromResult(new NodeResult([new Latent((int)context.GetInt("batch_size"), (int)context.GetInt("width"), (int)context.GetInt("height"), null)]));
}

/// <summary>
/// <c>KSampler</c>: one progress tick per step after <see cref="ComfyEmulatorOptions.SamplerStepTime"/>, each with a
/// JPEG latent preview at 1/8 resolution (when previews are on); interrupts are observed at every tick.
/// </summary>
internal sealed class KSamplerNode : NodeBehavior
{
    public override string ClassType => "KSampler";

    public override async ValueTask<NodeResult> ExecuteAsync(NodeContext context)
    {
        var latent = context.Get<Latent>("latent_image");
        var steps = (int)context.GetInt("steps");
        var seed = context.Inputs.TryGetValue("seed", out var s) ? Convert.ToUInt64(s, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var picture = new SampledPicture(seed, context.Get<Conditioning>("positive").Text, context.Get<Conditioning>("negative").Text);
        var stepTime = context.Options.SamplerStepTime;
        for (var i = 1; i <= steps; i++)
        {
            if (stepTime > TimeSpan.Zero)
            {
                await Task.Delay(stepTime, context.Cancellation).ConfigureAwait(false);
            }

            Sockets.PreviewImage? preview = null;
            if (context.PreviewsEnabled)
            {
                using var bitmap = picture.Render(Math.Max(1, latent.Width / 8), Math.Max(1, latent.Height / 8), i / (double)steps);
                preview = context.CreatePreview(ImageCodec.Encode(bitmap, SKEncodedImageFormat.Jpeg, 95), png: false);
            }

            await context.Progress(i, steps, preview).ConfigureAwait(false);
        }

        return new NodeResult([latent with { Picture = picture }]);
    }
}

/// <summary><c>VAEDecode</c>: renders the sampled picture at full size.</summary>
internal sealed class VaeDecodeNode : NodeBehavior
{
    public override string ClassType => "VAEDecode";

    public override ValueTask<NodeResult> ExecuteAsync(NodeContext context)
    {
        var latent = context.Get<Latent>("samples");
        var picture = latent.Picture ?? new SampledPicture(0, string.Empty, string.Empty);
        var image = new ImageTensor(latent.Batch, latent.Height, latent.Width, 3);
        for (var b = 0; b < latent.Batch; b++)
        {
            using var bitmap = (picture with { Seed = picture.Seed + (ulong)b }).Render(latent.Width, latent.Height, latent.Picture is null ? 0 : 1);
            ImageScaleNode.CopyInto(bitmap, image, b);
        }

        return ValueTask.FromResult(new NodeResult([image]));
    }
}
