using System.Text.Json.Nodes;

namespace ComfyUI.Reactive.Emulator.Nodes;

/// <summary>
/// The model files the emulator pretends to have, per folder (<see cref="ComfyEmulatorOptions.Checkpoints"/> and
/// <see cref="ComfyEmulatorOptions.Models"/>), and which loader inputs list which folder. A real server fills those
/// combos from <c>folder_paths.get_filename_list(folder)</c> each time <c>object_info</c> is built; the table below is
/// every such call of the 0.3.64 nodes (nodes.py and comfy_extras).
/// </summary>
internal sealed class ModelFolders
{
    /// <summary>The folder names of <c>GET /models</c> on 0.3.64.</summary>
    public static IReadOnlySet<string> Names { get; } = LoadNames();

    private static readonly (string ClassType, string Input, string Folder)[] Combos =
    [
        ("CheckpointLoaderSimple", "ckpt_name", "checkpoints"),
        ("CheckpointLoader", "ckpt_name", "checkpoints"),
        ("CheckpointLoader", "config_name", "configs"),
        ("unCLIPCheckpointLoader", "ckpt_name", "checkpoints"),
        ("ImageOnlyCheckpointLoader", "ckpt_name", "checkpoints"),
        ("CreateHookModelAsLora", "ckpt_name", "checkpoints"),
        ("CreateHookModelAsLoraModelOnly", "ckpt_name", "checkpoints"),
        ("VAELoader", "vae_name", "vae"),
        ("LoraLoader", "lora_name", "loras"),
        ("LoraLoaderModelOnly", "lora_name", "loras"),
        ("CreateHookLora", "lora_name", "loras"),
        ("CreateHookLoraModelOnly", "lora_name", "loras"),
        ("TrainLoraNode", "existing_lora", "loras"),
        ("CLIPLoader", "clip_name", "text_encoders"),
        ("DualCLIPLoader", "clip_name1", "text_encoders"),
        ("DualCLIPLoader", "clip_name2", "text_encoders"),
        ("TripleCLIPLoader", "clip_name1", "text_encoders"),
        ("TripleCLIPLoader", "clip_name2", "text_encoders"),
        ("TripleCLIPLoader", "clip_name3", "text_encoders"),
        ("QuadrupleCLIPLoader", "clip_name1", "text_encoders"),
        ("QuadrupleCLIPLoader", "clip_name2", "text_encoders"),
        ("QuadrupleCLIPLoader", "clip_name3", "text_encoders"),
        ("QuadrupleCLIPLoader", "clip_name4", "text_encoders"),
        ("UNETLoader", "unet_name", "diffusion_models"),
        ("ControlNetLoader", "control_net_name", "controlnet"),
        ("DiffControlNetLoader", "control_net_name", "controlnet"),
        ("StyleModelLoader", "style_model_name", "style_models"),
        ("CLIPVisionLoader", "clip_name", "clip_vision"),
        ("GLIGENLoader", "gligen_name", "gligen"),
        ("DiffusersLoader", "model_path", "diffusers"),
        ("HypernetworkLoader", "hypernetwork_name", "hypernetworks"),
        ("UpscaleModelLoader", "model_name", "upscale_models"),
        ("PhotoMakerLoader", "photomaker_model_name", "photomaker"),
        ("ModelPatchLoader", "name", "model_patches"),
        ("AudioEncoderLoader", "audio_encoder_name", "audio_encoders"),
    ];

    private readonly Dictionary<string, List<string>> files = new(StringComparer.Ordinal);

    public ModelFolders(ComfyEmulatorOptions options)
    {
        foreach (var name in Names)
        {
            files[name] = [];
        }

        Add("checkpoints", options.Checkpoints);
        foreach (var (folder, names) in options.Models)
        {
            Add(folder, names);
        }
    }

    /// <summary>The files of one folder (in the order given, without duplicates); null for a folder that does not exist.</summary>
    public IReadOnlyList<string>? Files(string folder) => files.TryGetValue(folder, out var list) ? list : null;

    /// <summary>Whether a node class has a combo listing a model folder.</summary>
    public static bool Lists(string classType) => Combos.Any(c => c.ClassType == classType);

    /// <summary>
    /// Takes the file names an imported <c>object_info</c> lists in a loader's combos into the folder lists, so
    /// <c>GET /models/{folder}</c> and every other loader of that folder agree with it. Call for every node before <see cref="Fill"/>.
    /// </summary>
    public void Learn(NodeDefinition definition)
    {
        foreach (var (_, list, folder) in Lists(definition.ClassType, definition.Json))
        {
            Add(folder, Entries(list).Where(n => !IsSpecial(n)));
        }
    }

    /// <summary>A copy of the definition whose loader combos list this server's files (then the fixed entries, as the real lists end with them).</summary>
    public JsonObject Fill(NodeDefinition definition)
    {
        var copy = (JsonObject)definition.Json.DeepClone();
        foreach (var (_, list, folder) in Lists(definition.ClassType, copy))
        {
            var specials = Entries(list).Where(IsSpecial).ToList();
            list.Clear();
            foreach (var name in files[folder].Concat(specials))
            {
                list.Add(name);
            }
        }

        return copy;
    }

    private static IEnumerable<(string Input, JsonArray List, string Folder)> Lists(string classType, JsonObject json)
    {
        foreach (var (type, input, folder) in Combos)
        {
            if (type != classType || json["input"] is not JsonObject inputs || Find(inputs, input) is not { } spec)
            {
                continue;
            }

            // Legacy combos are [[names...], {...}]; V3 ones ["COMBO", {"options": [...]}].
            if ((spec[0] as JsonArray ?? (spec.Count > 1 ? spec[1]?["options"] as JsonArray : null)) is { } list)
            {
                yield return (input, list, folder);
            }
        }
    }

    private static IEnumerable<string> Entries(JsonArray list) => list.Select(n => n?.ToString()).OfType<string>();

    /// <summary>Entries a real loader appends to the folder's files: VAELoader's <c>pixel_space</c>, TrainLoraNode's <c>[None]</c>.</summary>
    private static bool IsSpecial(string name) => name is "pixel_space" or "[None]";

    private static JsonArray? Find(JsonObject inputs, string name) =>
        inputs["required"]?[name] as JsonArray ?? inputs["optional"]?[name] as JsonArray;

    private void Add(string folder, IEnumerable<string> names)
    {
        var list = files[folder];
        foreach (var name in names)
        {
            if (!list.Contains(name, StringComparer.Ordinal))
            {
                list.Add(name);
            }
        }
    }

    private static HashSet<string> LoadNames()
    {
        var array = JsonNode.Parse(Server.Fixtures.Models)!.AsArray();
        return array.Select(n => n!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
    }
}
