using System.Globalization;

namespace ComfyUI.Reactive.Emulator.Nodes.Generic;

/// <summary>A value of a type the emulator does not compute (SIGMAS, CONTROL_NET, HOOKS…): its type and the node that made it.</summary>
internal sealed record OpaqueValue(string Type, string Origin)
{
    public override string ToString() => $"<{Type} from {Origin}>";
}

/// <summary>An AUDIO value: silence of a given length.</summary>
internal sealed record AudioClip(int SampleRate, int Channels, int Samples)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{{'waveform': tensor(shape=[1, {Channels}, {Samples}]), 'sample_rate': {SampleRate}}}");
}

/// <summary>
/// The size a generic node works at, read from its inputs the way most ComfyUI nodes size their results: explicit
/// <c>width</c>/<c>height</c>/<c>batch_size</c>, else the incoming image, mask or latent, else 512×512.
/// </summary>
internal readonly record struct Shape(int Batch, int Width, int Height)
{
    /// <summary>New pictures are capped so a node declaring 16384×16384 cannot exhaust the test process.</summary>
    public const int MaxSide = 1024;

    public static Shape From(IReadOnlyDictionary<string, object?> inputs)
    {
        int? width = Positive(inputs, "width"), height = Positive(inputs, "height"), batch = Positive(inputs, "batch_size");
        var (b, w, h) = (1, 512, 512);
        foreach (var value in inputs.Values)
        {
            (b, w, h, var found) = value switch
            {
                ImageTensor i => (i.Batch, i.Width, i.Height, true),
                MaskTensor m => (m.Batch, m.Width, m.Height, true),
                Latent l => (l.Batch, l.Width, l.Height, true),
                _ => (b, w, h, false),
            };
            if (found)
            {
                break;
            }
        }

        return new Shape(Math.Clamp(batch ?? b, 1, 64), Math.Clamp(width ?? w, 1, MaxSide), Math.Clamp(height ?? h, 1, MaxSide));
    }

    private static int? Positive(IReadOnlyDictionary<string, object?> inputs, string name) =>
        inputs.TryGetValue(name, out var v) && v is long l && l > 0 ? (int)Math.Min(l, int.MaxValue) : null;
}

/// <summary>
/// Makes a value of a declared output type. An input of the same type passes through (a LoRA loader returns the model
/// it got, a filter the image it got); otherwise a neutral value of the type is made at the node's <see cref="Shape"/>.
/// </summary>
internal static class GenericValues
{
    public static object? Create(string type, string classType, IReadOnlyDictionary<string, object?> inputs, Shape shape)
    {
        if (PassThrough(type, inputs) is { } same)
        {
            return same;
        }

        return type switch
        {
            "IMAGE" => Gray(shape),
            "MASK" => new MaskTensor(shape.Batch, shape.Height, shape.Width, new float[shape.Batch * shape.Height * shape.Width]),
            "LATENT" => new Latent(shape.Batch, shape.Width, shape.Height, null),
            "CONDITIONING" => new Conditioning(First<string>(inputs, "text") ?? string.Empty),
            "STRING" => First<string>(inputs, "value") ?? string.Empty,
            "INT" => First<long>(inputs, "value"),
            "FLOAT" => First<double>(inputs, "value"),
            "BOOLEAN" => First<bool>(inputs, "value"),
            "AUDIO" => new AudioClip(44100, 1, 44100),
            "MODEL" or "CLIP" or "VAE" => new ModelHandle(classType, type),
            _ => new OpaqueValue(type, classType),
        };
    }

    private static object? PassThrough(string type, IReadOnlyDictionary<string, object?> inputs)
    {
        foreach (var value in inputs.Values)
        {
            var matches = (type, value) switch
            {
                ("IMAGE", ImageTensor) or ("MASK", MaskTensor) or ("LATENT", Latent) or ("CONDITIONING", Conditioning) or ("AUDIO", AudioClip) => true,
                (_, ModelHandle m) => m.Kind == type,
                (_, OpaqueValue o) => o.Type == type,
                _ => false,
            };
            if (matches)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>The input called <paramref name="preferred"/> if it has the type, else the first input that has it.</summary>
    private static T? First<T>(IReadOnlyDictionary<string, object?> inputs, string preferred)
    {
        if (inputs.TryGetValue(preferred, out var p) && p is T pt)
        {
            return pt;
        }

        foreach (var value in inputs.Values)
        {
            if (value is T t)
            {
                return t;
            }
        }

        return default;
    }

    private static ImageTensor Gray(Shape shape)
    {
        var image = new ImageTensor(shape.Batch, shape.Height, shape.Width, 3);
        Array.Fill(image.Data, 0.5f);
        return image;
    }
}
