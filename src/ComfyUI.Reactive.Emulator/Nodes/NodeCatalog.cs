using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator.Files;
using ComfyUI.Reactive.Emulator.Nodes.Generic;

namespace ComfyUI.Reactive.Emulator.Nodes;

/// <summary>
/// The node set of one running server: every class of its <see cref="NodeSet"/> (the built-in 0.3.64 one or an imported
/// <c>object_info</c>) minus the excluded ones, each with its behaviour (specific where the emulator computes the real
/// thing, <see cref="GenericNode"/> otherwise), loader combos filled from <see cref="ModelFolders"/>, and input-folder
/// combos listed live. The serialised <c>GET /object_info</c> is cached until a live list changes.
/// </summary>
internal sealed class NodeCatalog
{
    private static readonly Func<NodeBehavior>[] Specific =
    [
        () => new EmptyImageNode(), () => new ImageInvertNode(), () => new ImageScaleNode(), () => new ImageBlurNode(),
        () => new ImageSharpenNode(), () => new SolidMaskNode(), () => new MaskToImageNode(), () => new LoadImageNode(),
        () => new SaveImageNode(), () => new PreviewImageNode(), () => new PreviewAnyNode(), () => new StringConcatenateNode(),
        () => new ImageBatchNode(), () => new JoinImageWithAlphaNode(), () => new SaveImageWebsocketNode(),
        () => new CheckpointLoaderSimpleNode(), () => new ClipTextEncodeNode(), () => new EmptyLatentImageNode(),
        () => new KSamplerNode(), () => new VaeDecodeNode(), () => new SdkTestSlowProgressNode(),
    ];

    private readonly Dictionary<string, NodeSchema> schemas = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NodeDefinition> definitions = new(StringComparer.Ordinal);
    private readonly List<string> order = [];
    private readonly List<string> live = [];
    private readonly FileStore files;
    private readonly object gate = new();
    private readonly Dictionary<string, (string Key, byte[] Bytes)> oneCache = new(StringComparer.Ordinal);
    private (string Key, byte[] Bytes)? allCache;

    public NodeCatalog(NodeSet set, ModelFolders models, FileStore files, IReadOnlyList<string>? excluded = null)
    {
        this.files = files;
        var specific = Specific.Select(f => f()).ToDictionary(b => b.ClassType, StringComparer.Ordinal);
        var skip = new HashSet<string>(excluded ?? [], StringComparer.Ordinal);
        var kept = set.Order.Where(c => !skip.Contains(c)).Select(c => set.TryGet(c, out var d) ? d : null!).ToList();
        foreach (var definition in kept.Where(d => ModelFolders.Lists(d.ClassType)))
        {
            models.Learn(definition);
        }

        foreach (var shared in kept)
        {
            // Only loaders are copied (to list this server's models); every other definition is shared between servers.
            var definition = ModelFolders.Lists(shared.ClassType) ? NodeDefinition.Parse(shared.ClassType, models.Fill(shared)) : shared;
            var classType = definition.ClassType;
            var behavior = specific.GetValueOrDefault(classType)
                ?? (FileLoaderNode.Known.TryGetValue(classType, out var loader) ? new FileLoaderNode(definition, loader.Input, loader.Kind) : new GenericNode(definition));
            schemas[classType] = new NodeSchema
            {
                ClassType = classType,
                Inputs = definition.Inputs,
                OutputTypes = definition.OutputTypes,
                OutputNode = definition.OutputNode,
                Behavior = behavior,
            };
            definitions[classType] = definition;
            order.Add(classType);
            if (definition.Inputs.Any(i => i.LiveCombo is not null))
            {
                live.Add(classType);
            }
        }
    }

    public bool TryGet(string classType, out NodeSchema schema) => schemas.TryGetValue(classType, out schema!);

    public IEnumerable<string> ClassTypes => order;

    /// <summary>The full <c>GET /object_info</c> body.</summary>
    public byte[] AllJson()
    {
        var listings = Listings(live);
        lock (gate)
        {
            if (allCache is { } cached && cached.Key == listings.Key)
            {
                return cached.Bytes;
            }

            var bytes = JsonFrames(w =>
            {
                w.WriteStartObject();
                foreach (var classType in order)
                {
                    w.WritePropertyName(classType);
                    WriteDefinition(w, classType, listings.Lists);
                }

                w.WriteEndObject();
            });
            allCache = (listings.Key, bytes);
            return bytes;
        }
    }

    /// <summary>The <c>GET /object_info/{class}</c> body (<c>{}</c> for unknown classes).</summary>
    public byte[] OneJson(string classType)
    {
        if (!schemas.ContainsKey(classType))
        {
            return "{}"u8.ToArray();
        }

        var listings = Listings(live.Contains(classType) ? [classType] : []);
        lock (gate)
        {
            if (oneCache.TryGetValue(classType, out var cached) && cached.Key == listings.Key)
            {
                return cached.Bytes;
            }

            var bytes = JsonFrames(w =>
            {
                w.WriteStartObject();
                w.WritePropertyName(classType);
                WriteDefinition(w, classType, listings.Lists);
                w.WriteEndObject();
            });
            oneCache[classType] = (listings.Key, bytes);
            return bytes;
        }
    }

    private void WriteDefinition(Utf8JsonWriter w, string classType, Dictionary<(string, string), IReadOnlyList<string>> lists)
    {
        var definition = definitions[classType];
        if (!live.Contains(classType))
        {
            w.WriteRawValue(definition.Raw, skipInputValidation: true);
            return;
        }

        var copy = (JsonObject)definition.Json.DeepClone();
        foreach (var spec in definition.Inputs.Where(i => i.LiveCombo is not null))
        {
            var declared = copy["input"]![spec.Required ? "required" : "optional"]![spec.Name]!.AsArray();
            var list = new JsonArray(lists[(classType, spec.Name)].Select(n => (JsonNode?)JsonValue.Create(n)).ToArray());
            if (declared[0] is JsonArray)
            {
                declared[0] = list;
            }
            else if (declared.Count > 1 && declared[1] is JsonObject options)
            {
                options["options"] = list;
            }
        }

        copy.WriteTo(w);
    }

    /// <summary>The current input-folder listings of these classes and a key that changes whenever one of them does.</summary>
    private (string Key, Dictionary<(string, string), IReadOnlyList<string>> Lists) Listings(IEnumerable<string> classTypes)
    {
        var lists = new Dictionary<(string, string), IReadOnlyList<string>>();
        var key = new StringBuilder();
        foreach (var classType in classTypes)
        {
            foreach (var spec in definitions[classType].Inputs.Where(i => i.LiveCombo is not null))
            {
                var list = spec.LiveCombo!(files);
                lists[(classType, spec.Name)] = list;
                key.Append(classType).Append('.').Append(spec.Name).Append('=').AppendJoin('\u0001', list).Append('\u0000');
            }
        }

        return (key.ToString(), lists);
    }

    private static byte[] JsonFrames(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            write(w);
        }

        return buffer.ToArray();
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonObject))]
[System.Text.Json.Serialization.JsonSerializable(typeof(JsonNode))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = false)]
internal sealed partial class NodeJsonContext : System.Text.Json.Serialization.JsonSerializerContext
{
}
