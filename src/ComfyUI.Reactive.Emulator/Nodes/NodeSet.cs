using System.Text.Json;
using System.Text.Json.Nodes;

namespace ComfyUI.Reactive.Emulator.Nodes;

/// <summary>One node class as an <c>object_info</c> declares it, parsed once and shared read-only.</summary>
internal sealed class NodeDefinition
{
    public required string ClassType { get; init; }

    /// <summary>The definition, fully materialised so threads can read it; never mutated (clone it to change it).</summary>
    public required JsonObject Json { get; init; }

    /// <summary>The definition serialised compactly, as <c>GET /object_info</c> writes it.</summary>
    public required byte[] Raw { get; init; }

    public required IReadOnlyList<InputSpec> Inputs { get; init; }
    public required IReadOnlyList<string> OutputTypes { get; init; }
    public required bool OutputNode { get; init; }

    /// <summary>Reads a definition; inputs follow <c>input_order</c> when present.</summary>
    public static NodeDefinition Parse(string classType, JsonObject json)
    {
        Materialize(json);
        var inputs = new List<InputSpec>();
        var input = json["input"] as JsonObject ?? [];
        var order = json["input_order"] as JsonObject;
        foreach (var category in new[] { "required", "optional" })
        {
            if (input[category] is not JsonObject group)
            {
                continue;
            }

            var names = order?[category] is JsonArray ordered ? ordered.Select(n => n!.GetValue<string>()) : group.Select(p => p.Key);
            foreach (var name in names)
            {
                if (group[name] is not JsonArray spec || spec.Count == 0)
                {
                    continue;
                }

                var options = spec.Count > 1 && spec[1] is JsonObject o ? o : [];
                inputs.Add(new InputSpec
                {
                    Name = name,
                    Required = category == "required",
                    TypeName = spec[0] is JsonValue t && t.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : null,
                    Combo = spec[0] is JsonArray list ? list.Select(x => x is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : x?.ToJsonString() ?? "None").ToList() : null,
                    LiveCombo = InputFolders.For(classType, name),
                    Options = options,
                    Config = Materialize(new JsonArray(spec[0]!.DeepClone(), options.DeepClone())),
                });
            }
        }

        return new NodeDefinition
        {
            ClassType = classType,
            Json = json,
            Raw = JsonSerializer.SerializeToUtf8Bytes(json, NodeJsonContext.Default.JsonObject),
            Inputs = inputs,
            // A combo output (a list of options) has no type name; Python compares it as a list, so it matches no socket name.
            OutputTypes = (json["output"] as JsonArray ?? []).Select(x => x is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : "COMBO").ToList(),
            OutputNode = json["output_node"] is JsonValue on && on.GetValueKind() == JsonValueKind.True,
        };
    }

    /// <summary>Forces the lazy JSON DOM to build itself now, so concurrent readers never race to initialise it.</summary>
    public static T Materialize<T>(T node)
        where T : JsonNode
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, child) in o)
                {
                    if (child is not null)
                    {
                        Materialize(child);
                    }
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    if (child is not null)
                    {
                        Materialize(child);
                    }
                }

                break;
        }

        return node;
    }
}

/// <summary>
/// The node classes of one <c>object_info</c> document, in its order. The built-in set (a real ComfyUI 0.3.64's 383
/// nodes plus the recordings' test node <c>SdkTestSlowProgress</c>) is parsed once per process and shared.
/// </summary>
internal sealed class NodeSet
{
    private static readonly Lazy<NodeSet> BuiltInSet = new(() =>
    {
        var set = FromJson(ReadResource("object_info.json"));
        foreach (var (name, definition) in JsonNode.Parse(ReadResource("sdk_test_nodes.json"))!.AsObject())
        {
            set.Add(name, (JsonObject)definition!.DeepClone());
        }

        return set;
    });

    private readonly Dictionary<string, NodeDefinition> definitions = new(StringComparer.Ordinal);
    private readonly List<string> order = [];

    private NodeSet()
    {
    }

    public static NodeSet BuiltIn => BuiltInSet.Value;

    public IReadOnlyList<string> Order => order;

    public bool TryGet(string classType, out NodeDefinition definition) => definitions.TryGetValue(classType, out definition!);

    /// <summary>Parses a complete <c>GET /object_info</c> answer.</summary>
    /// <exception cref="ArgumentException">It is not a JSON object of node definitions.</exception>
    public static NodeSet FromJson(string json)
    {
        JsonObject document;
        try
        {
            document = JsonNode.Parse(json) as JsonObject ?? throw new ArgumentException("object_info must be a JSON object of node definitions");
        }
        catch (JsonException ex)
        {
            throw new ArgumentException("object_info is not valid JSON: " + ex.Message, ex);
        }

        var set = new NodeSet();
        foreach (var (name, definition) in document.ToList())
        {
            if (definition is not JsonObject node || node["input"] is not JsonObject || node["output"] is not JsonArray)
            {
                throw new ArgumentException($"object_info entry '{name}' has no input/output declaration");
            }

            document.Remove(name);
            set.Add(name, node);
        }

        return set;
    }

    private void Add(string name, JsonObject json)
    {
        if (definitions.TryAdd(name, NodeDefinition.Parse(name, json)))
        {
            order.Add(name);
        }
    }

    private static string ReadResource(string name)
    {
        using var stream = typeof(NodeSet).Assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException(name + " resource missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
