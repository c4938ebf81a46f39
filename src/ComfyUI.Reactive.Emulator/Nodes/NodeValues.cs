using System.Globalization;

namespace ComfyUI.Reactive.Emulator.Nodes;

/// <summary>An IMAGE value: a batch of float pixels in [0, 1], laid out [batch, height, width, channels] like ComfyUI's tensors.</summary>
internal sealed class ImageTensor(int batch, int height, int width, int channels, float[] data)
{
    public ImageTensor(int batch, int height, int width, int channels)
        : this(batch, height, width, channels, new float[batch * height * width * channels])
    {
    }

    public int Batch { get; } = batch;
    public int Height { get; } = height;
    public int Width { get; } = width;
    public int Channels { get; } = channels;
    public float[] Data { get; } = data;
    public int ImageSize => Height * Width * Channels;

    /// <summary>Shown in <c>execution_error.current_inputs</c> in place of torch's tensor dump.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"tensor(shape=[{Batch}, {Height}, {Width}, {Channels}])");
}

/// <summary>A MASK value: [batch, height, width] floats in [0, 1].</summary>
internal sealed class MaskTensor(int batch, int height, int width, float[] data)
{
    public int Batch { get; } = batch;
    public int Height { get; } = height;
    public int Width { get; } = width;
    public float[] Data { get; } = data;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"tensor(shape=[{Batch}, {Height}, {Width}])");
}

/// <summary>The simulated MODEL / CLIP / VAE of a checkpoint.</summary>
internal sealed record ModelHandle(string Checkpoint, string Kind)
{
    public override string ToString() => $"<{Kind} {Checkpoint}>";
}

/// <summary>A CONDITIONING value: the encoded prompt text.</summary>
internal sealed record Conditioning(string Text)
{
    public override string ToString() => $"[[conditioning '{Text}']]";
}

/// <summary>A LATENT value; after sampling it carries what the picture will look like.</summary>
internal sealed record Latent(int Batch, int Width, int Height, SampledPicture? Picture)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{{'samples': tensor(shape=[{Batch}, 4, {Height / 8}, {Width / 8}])}}");
}
