using System.Collections.Generic;
using ComfyUI.Reactive.Generators.Json;

namespace ComfyUI.Reactive.Generators.Schema;

/// <summary>Reads the node schemas of an object_info document (PROTOCOL.md §3: class type → schema).</summary>
internal static class SchemaReader
{
    private static readonly JsonValue EmptyObject = JsonValue.Object(System.Array.Empty<KeyValuePair<string, JsonValue>>());

    /// <summary>Reads every node; a node whose schema has the wrong shape is skipped and named in <paramref name="skipped"/>.</summary>
    public static List<NodeSchema> Read(JsonValue root, List<string> skipped)
    {
        var nodes = new List<NodeSchema>();
        foreach (var pair in root.Properties)
        {
            // A class listed twice: the server's json keeps the last one, so the generated graph does too.
            if (!ReferenceEquals(root.Get(pair.Key), pair.Value))
            {
                continue;
            }

            if (pair.Value.Kind != JsonKind.Object)
            {
                skipped.Add(pair.Key);
                continue;
            }

            nodes.Add(ReadNode(pair.Key, pair.Value));
        }

        return nodes;
    }

    private static NodeSchema ReadNode(string classType, JsonValue node)
    {
        var input = node.Get("input") ?? EmptyObject;
        var order = node.Get("input_order") ?? EmptyObject;
        var inputs = new List<InputSchema>();
        ReadGroup(input.Get("required"), order.Get("required"), true, inputs);
        ReadGroup(input.Get("optional"), order.Get("optional"), false, inputs);

        var types = node.Get("output")?.Items ?? System.Array.Empty<JsonValue>();
        var names = node.Get("output_name")?.Items ?? System.Array.Empty<JsonValue>();
        var tooltips = node.Get("output_tooltips")?.Items ?? System.Array.Empty<JsonValue>();
        var lists = node.Get("output_is_list")?.Items ?? System.Array.Empty<JsonValue>();
        var outputs = new List<OutputSchema>();
        for (var i = 0; i < types.Count; i++)
        {
            // A combo output is sent as its option list; it links like any other type named COMBO.
            var type = types[i].IsString ? types[i].Text! : "COMBO";
            var name = i < names.Count && names[i].IsString ? names[i].Text! : type;
            var tooltip = i < tooltips.Count && tooltips[i].IsString ? tooltips[i].Text : null;
            outputs.Add(new OutputSchema(type, name, tooltip, i < lists.Count && lists[i].Kind == JsonKind.True));
        }

        return new NodeSchema(
            classType,
            node.GetString("display_name"),
            node.GetString("description"),
            node.GetString("category") ?? string.Empty,
            node.GetBool("output_node"),
            node.GetBool("deprecated"),
            node.GetBool("experimental"),
            node.GetBool("is_input_list"),
            inputs,
            outputs);
    }

    private static void ReadGroup(JsonValue? group, JsonValue? order, bool required, List<InputSchema> inputs)
    {
        if (group is not { Kind: JsonKind.Object })
        {
            return;
        }

        // input_order gives the declared order; older servers send none, then the group's own order stands.
        var seen = new HashSet<string>();
        foreach (var name in order?.Items ?? System.Array.Empty<JsonValue>())
        {
            if (name.IsString && group.Get(name.Text!) is { } spec && seen.Add(name.Text!) && ReadInput(name.Text!, spec, required) is { } parsed)
            {
                inputs.Add(parsed);
            }
        }

        foreach (var pair in group.Properties)
        {
            if (seen.Add(pair.Key) && ReadInput(pair.Key, group.Get(pair.Key)!, required) is { } parsed)
            {
                inputs.Add(parsed);
            }
        }
    }

    private static InputSchema? ReadInput(string name, JsonValue spec, bool required)
    {
        if (spec.Kind != JsonKind.Array || spec.Items.Count == 0)
        {
            return null;
        }

        var type = spec.Items[0];
        var settings = spec.Items.Count > 1 && spec.Items[1].Kind == JsonKind.Object ? spec.Items[1] : EmptyObject;
        if (type.Kind == JsonKind.Array)
        {
            return new InputSchema(name, required, InputKind.Combo, "COMBO", Strings(type), settings);
        }

        if (!type.IsString)
        {
            return null;
        }

        var typeName = type.Text!;
        if (typeName == "COMBO")
        {
            return new InputSchema(name, required, InputKind.Combo, typeName, Strings(settings.Get("options")), settings);
        }

        var none = System.Array.Empty<string>();
        if (typeName == "*" || typeName.IndexOf(',') >= 0)
        {
            return new InputSchema(name, required, InputKind.AnyLink, typeName, none, settings);
        }

        var widget = typeName switch
        {
            "INT" => InputKind.Int,
            "FLOAT" => InputKind.Float,
            "STRING" => InputKind.String,
            "BOOLEAN" => InputKind.Boolean,
            _ => InputKind.Link,
        };

        // forceInput: a primitive that the UI shows as a socket, never as a widget; it must be linked.
        var kind = settings.GetBool("forceInput") ? InputKind.Link : widget;
        return new InputSchema(name, required, kind, typeName, none, settings);
    }

    private static List<string> Strings(JsonValue? list)
    {
        var values = new List<string>();
        foreach (var item in list?.Items ?? System.Array.Empty<JsonValue>())
        {
            if (item.Kind is JsonKind.String or JsonKind.Number)
            {
                values.Add(item.Text!);
            }
        }

        return values;
    }
}
