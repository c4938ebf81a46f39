using System.Collections.Frozen;

namespace ComfyUI.Reactive.Workflows;

public sealed partial class Workflow
{
    private static readonly FrozenSet<string> ModelInputNames = FrozenSet.Create(
        StringComparer.Ordinal,
        "ckpt_name", "lora_name", "vae_name", "unet_name", "clip_name", "clip_name1", "clip_name2", "clip_name3", "clip_name4",
        "control_net_name", "upscale_model_name", "style_model_name", "gligen_name", "hypernetwork_name", "model_name",
        "config_name", "clip_vision_name", "photomaker_model_name");

    private static readonly string[] ModelExtensions =
        [".safetensors", ".sft", ".ckpt", ".pt", ".pt2", ".pth", ".bin", ".pkl", ".gguf", ".onnx", ".engine"];

    /// <summary>
    /// Whether a string input value names a model file, and so is part of <see cref="Hash"/>. The rule: the input's name is
    /// one of the model-loader inputs of ComfyUI's own nodes (<c>ckpt_name</c>, <c>lora_name</c>, <c>vae_name</c>,
    /// <c>unet_name</c>, <c>clip_name</c>, <c>clip_name1</c>…<c>clip_name4</c>, <c>control_net_name</c>,
    /// <c>upscale_model_name</c>, <c>style_model_name</c>, <c>gligen_name</c>, <c>hypernetwork_name</c>, <c>model_name</c>,
    /// <c>config_name</c>, <c>clip_vision_name</c>, <c>photomaker_model_name</c>), or — for any input, so custom loaders
    /// count too — the value ends (case-insensitively) with a model file extension: <c>.safetensors</c>, <c>.sft</c>,
    /// <c>.ckpt</c>, <c>.pt</c>, <c>.pt2</c>, <c>.pth</c>, <c>.bin</c>, <c>.pkl</c>, <c>.gguf</c>, <c>.onnx</c>, <c>.engine</c>.
    /// </summary>
    /// <param name="inputName">The input name.</param>
    /// <param name="value">The input's string value.</param>
    /// <returns>True when the value is treated as a model file name.</returns>
    public static bool IsModelReference(string inputName, string value)
    {
        ArgumentNullException.ThrowIfNull(inputName);
        ArgumentNullException.ThrowIfNull(value);
        return ModelInputNames.Contains(inputName) ||
               ModelExtensions.Any(ext => value.EndsWith(ext, StringComparison.OrdinalIgnoreCase));
    }
}
