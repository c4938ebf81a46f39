using ComfyUI.Reactive.Emulator.Files;

namespace ComfyUI.Reactive.Emulator.Nodes.Generic;

/// <summary>
/// The 0.3.64 loaders with their own <c>VALIDATE_INPUTS</c>/<c>validate_inputs</c> besides LoadImage: the file must
/// exist (<c>Invalid {kind} file: {name}</c>), its content hash is the cache key (<c>IS_CHANGED</c>), and the image
/// loaders return the decoded picture; the others return generic values of their types.
/// </summary>
internal sealed class FileLoaderNode(NodeDefinition definition, string input, string kind) : GenericNode(definition)
{
    /// <summary>The loaders, by class type: the input naming the file and the word in the error message.</summary>
    public static readonly IReadOnlyDictionary<string, (string Input, string Kind)> Known = new Dictionary<string, (string, string)>(StringComparer.Ordinal)
    {
        ["LoadImageMask"] = ("image", "image"),
        ["LoadImageOutput"] = ("image", "image"),
        ["WebcamCapture"] = ("image", "image"),
        ["LoadLatent"] = ("latent", "latent"),
        ["LoadAudio"] = ("audio", "audio"),
        ["LoadVideo"] = ("file", "video"),
    };

    public override IReadOnlyList<string> CustomValidatedInputs => [input];

    public override string? ValidateInputs(IReadOnlyDictionary<string, object?> constants, FileStore files)
    {
        var name = constants.TryGetValue(input, out var v) ? v as string : null;
        return Resolve(name, files) is not null ? null : $"Invalid {kind} file: {name}";
    }

    public override string? Fingerprint(IReadOnlyDictionary<string, object?> constants, FileStore files) =>
        Resolve(constants.TryGetValue(input, out var v) ? v as string : null, files) is { } path
            ? Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)))
            : null;

    protected override object? Produce(string type, NodeContext context, Shape shape)
    {
        if (kind == "image" && type is "IMAGE" or "MASK" && Resolve(context.Inputs.TryGetValue(input, out var v) ? v as string : null, context.Files) is { } path)
        {
            var (image, mask) = ImageCodec.Decode(File.ReadAllBytes(path));
            return type == "IMAGE" ? image : Channel(context, image, mask);
        }

        return base.Produce(type, context, shape);
    }

    /// <summary>LoadImageMask's <c>channel</c>: alpha gives 1 − alpha (LoadImage's mask), red/green/blue that channel.</summary>
    private static MaskTensor Channel(NodeContext context, ImageTensor image, MaskTensor alpha)
    {
        var channel = context.Inputs.TryGetValue("channel", out var c) && c is string s ? s : "alpha";
        var index = channel switch
        {
            "red" => 0,
            "green" => 1,
            "blue" => 2,
            _ => -1,
        };
        if (index < 0)
        {
            return alpha;
        }

        var data = new float[image.Width * image.Height];
        for (var p = 0; p < data.Length; p++)
        {
            data[p] = image.Data[(p * 3) + index];
        }

        return new MaskTensor(1, image.Height, image.Width, data);
    }

    private static string? Resolve(string? name, FileStore files) =>
        name is not null && files.ResolveAnnotated(name) is { } path && File.Exists(path) ? path : null;
}
