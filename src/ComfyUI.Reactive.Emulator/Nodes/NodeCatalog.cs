using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator.Files;

namespace ComfyUI.Reactive.Emulator.Nodes;

/// <summary>One declared input of a node, as <c>object_info</c> lists it.</summary>
internal sealed class InputSpec
{
    public required string Name { get; init; }
    public required bool Required { get; init; }

    /// <summary>The type name (<c>INT</c>, <c>IMAGE</c>, <c>*</c>…); null for legacy combos.</summary>
    public string? TypeName { get; init; }

    /// <summary>The combo's option list, for legacy list-style combos.</summary>
    public IReadOnlyList<string>? Combo { get; init; }

    public JsonObject Options { get; init; } = [];

    /// <summary>The <c>[type, options]</c> pair reported as <c>input_config</c> in validation errors.</summary>
    public required JsonArray Config { get; init; }

    public bool TryGetBound(string key, out JsonElement bound)
    {
        bound = default;
        if (Options[key] is not JsonValue v)
        {
            return false;
        }

        bound = v.GetValue<JsonElement>();
        return bound.ValueKind == JsonValueKind.Number;
    }
}

/// <summary>A node class: its schema from the recorded <c>object_info</c> and its behaviour.</summary>
internal sealed class NodeSchema
{
    public required string ClassType { get; init; }
    public required IReadOnlyList<InputSpec> Inputs { get; init; }
    public required IReadOnlyList<string> OutputTypes { get; init; }
    public required bool OutputNode { get; init; }
    public required NodeBehavior Behavior { get; init; }

    public InputSpec? Find(string name)
    {
        foreach (var i in Inputs)
        {
            if (i.Name == name)
            {
                return i;
            }
        }

        return null;
    }
}

/// <summary>
/// The emulator's node set. Schemas are the real ones, taken verbatim from a recorded 0.3.64 <c>object_info</c>
/// (embedded <c>object_info.json</c>); only LoadImage's and CheckpointLoaderSimple's file lists are filled in live.
/// The serialised answer is cached and rebuilt only when the input folder changes.
/// </summary>
internal sealed class NodeCatalog
{
    private readonly JsonObject document;
    private readonly Dictionary<string, NodeSchema> schemas = new(StringComparer.Ordinal);
    private readonly FileStore files;
    private readonly object gate = new();
    private byte[]? allCache;
    private int allCacheVersion = -1;
    private readonly Dictionary<string, (int Version, byte[] Bytes)> oneCache = new(StringComparer.Ordinal);

    public NodeCatalog(IReadOnlyList<string> checkpoints, FileStore files, IReadOnlyList<string>? excluded = null)
    {
        this.files = files;
        using var stream = typeof(NodeCatalog).Assembly.GetManifestResourceStream("object_info.json")
            ?? throw new InvalidOperationException("object_info.json resource missing");
        document = JsonNode.Parse(stream)!.AsObject();
        ((JsonArray)document["CheckpointLoaderSimple"]!["input"]!["required"]!["ckpt_name"]!)[0] = new JsonArray(checkpoints.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray());

        NodeBehavior[] behaviors =
        [
            new EmptyImageNode(), new ImageInvertNode(), new ImageScaleNode(), new ImageBlurNode(), new ImageSharpenNode(),
            new SolidMaskNode(), new MaskToImageNode(), new LoadImageNode(), new SaveImageNode(), new PreviewImageNode(),
            new PreviewAnyNode(), new StringConcatenateNode(), new ImageBatchNode(), new JoinImageWithAlphaNode(),
            new SaveImageWebsocketNode(), new CheckpointLoaderSimpleNode(), new ClipTextEncodeNode(), new EmptyLatentImageNode(),
            new KSamplerNode(), new VaeDecodeNode(), new SdkTestSlowProgressNode(),
        ];
        foreach (var behavior in behaviors)
        {
            schemas[behavior.ClassType] = Parse(behavior, document[behavior.ClassType]!.AsObject());
        }

        // A server without a custom node neither lists nor validates it: removing it here makes both behave that way.
        foreach (var classType in excluded ?? [])
        {
            schemas.Remove(classType);
            document.Remove(classType);
        }
    }

    public bool TryGet(string classType, out NodeSchema schema) => schemas.TryGetValue(classType, out schema!);

    public IEnumerable<string> ClassTypes => schemas.Keys;

    private static NodeSchema Parse(NodeBehavior behavior, JsonObject node)
    {
        var inputs = new List<InputSpec>();
        var input = node["input"]!.AsObject();
        var order = node["input_order"]?.AsObject();
        foreach (var category in new[] { "required", "optional" })
        {
            if (input[category] is not JsonObject group)
            {
                continue;
            }

            var names = order?[category] is JsonArray ordered ? ordered.Select(n => n!.GetValue<string>()) : group.Select(p => p.Key);
            foreach (var name in names)
            {
                var spec = group[name]!.AsArray();
                var options = spec.Count > 1 && spec[1] is JsonObject o ? o : [];
                var config = new JsonArray(spec[0]!.DeepClone(), options.DeepClone());
                inputs.Add(new InputSpec
                {
                    Name = name,
                    Required = category == "required",
                    TypeName = spec[0] is JsonValue t ? t.GetValue<string>() : null,
                    Combo = spec[0] is JsonArray list ? list.Select(x => x!.GetValue<string>()).ToList() : null,
                    Options = options,
                    Config = config,
                });
            }
        }

        return new NodeSchema
        {
            ClassType = behavior.ClassType,
            Inputs = inputs,
            OutputTypes = node["output"]!.AsArray().Select(x => x!.GetValue<string>()).ToList(),
            OutputNode = node["output_node"]?.GetValue<bool>() == true,
            Behavior = behavior,
        };
    }

    /// <summary>The full <c>GET /object_info</c> body.</summary>
    public byte[] AllJson()
    {
        lock (gate)
        {
            var version = files.InputVersion;
            if (allCache is null || allCacheVersion != version)
            {
                RefreshInputList();
                allCache = JsonSerializer.SerializeToUtf8Bytes(document, NodeJsonContext.Default.JsonObject);
                allCacheVersion = version;
            }

            return allCache;
        }
    }

    /// <summary>The <c>GET /object_info/{class}</c> body (<c>{}</c> for unknown classes).</summary>
    public byte[] OneJson(string classType)
    {
        if (!schemas.ContainsKey(classType))
        {
            return "{}"u8.ToArray();
        }

        lock (gate)
        {
            var version = files.InputVersion;
            if (!oneCache.TryGetValue(classType, out var cached) || cached.Version != version)
            {
                RefreshInputList();
                var one = new JsonObject { [classType] = document[classType]!.DeepClone() };
                cached = (version, JsonSerializer.SerializeToUtf8Bytes(one, NodeJsonContext.Default.JsonObject));
                oneCache[classType] = cached;
            }

            return cached.Bytes;
        }
    }

    private void RefreshInputList() =>
        ((JsonArray)document["LoadImage"]!["input"]!["required"]!["image"]!)[0] = new JsonArray(files.ListInputFiles().Select(f => (JsonNode?)JsonValue.Create(f)).ToArray());
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonObject))]
[System.Text.Json.Serialization.JsonSerializable(typeof(JsonNode))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = false)]
internal sealed partial class NodeJsonContext : System.Text.Json.Serialization.JsonSerializerContext
{
}
