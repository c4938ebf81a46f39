using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator.Files;

namespace ComfyUI.Reactive.Emulator.Nodes;

/// <summary>One declared input of a node, as <c>object_info</c> lists it. Immutable: shared by every server using the same node set.</summary>
internal sealed class InputSpec
{
    public required string Name { get; init; }
    public required bool Required { get; init; }

    /// <summary>The type name (<c>INT</c>, <c>IMAGE</c>, <c>COMBO</c>, <c>*</c>…); null for legacy list-style combos.</summary>
    public string? TypeName { get; init; }

    /// <summary>The option list of a legacy list-style combo (the only kind 0.3.64 checks values against).</summary>
    public IReadOnlyList<string>? Combo { get; init; }

    /// <summary>For combos a real server lists from its input folder each time (LoadImage…): the current list.</summary>
    public Func<FileStore, IReadOnlyList<string>>? LiveCombo { get; init; }

    public JsonObject Options { get; init; } = [];

    /// <summary>The <c>[type, options]</c> pair reported as <c>input_config</c> in validation errors.</summary>
    public required JsonArray Config { get; init; }

    /// <summary>The declared default, if any (used by generated workflows and generic nodes for missing optionals).</summary>
    public JsonNode? Default => Options["default"];

    public bool IsLink => TypeName is not (null or "INT" or "FLOAT" or "STRING" or "BOOLEAN" or "COMBO");

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

    /// <summary>The options a value is checked against now: the live folder listing if there is one, else the declared list.</summary>
    public IReadOnlyList<string>? CurrentCombo(FileStore files) => Combo is null ? null : LiveCombo?.Invoke(files) ?? Combo;
}

/// <summary>A node class: its schema from an <c>object_info</c> and its behaviour.</summary>
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
