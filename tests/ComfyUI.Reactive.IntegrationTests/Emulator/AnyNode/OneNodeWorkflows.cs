using System.Text.Json;
using System.Text.Json.Nodes;

namespace ComfyUI.Reactive.IntegrationTests.Emulator.AnyNode;

/// <summary>
/// Generates, from an <c>object_info</c> alone, a workflow per node class: the node with every required input filled
/// (widgets with their default or first option, sockets linked to the nearest producer of that type, recursively), and,
/// unless it is an output node, a <c>PreviewAny</c> on its first output so the prompt has an output.
/// </summary>
internal sealed class OneNodeWorkflows
{
    /// <summary>A value for inputs of a type no node produces (WEBCAM, LOAD_3D…): a real ComfyUI takes a constant there.</summary>
    public const string InputFile = "seed.png";

    private static readonly string[] Widgets = ["INT", "FLOAT", "STRING", "BOOLEAN", "COMBO"];
    private readonly JsonObject info;
    private readonly Dictionary<string, string> producers = new(StringComparer.Ordinal);

    public OneNodeWorkflows(JsonObject info)
    {
        this.info = info;
        // Producers by depth: first nodes without required sockets, then nodes whose sockets the earlier rounds can feed.
        var depth = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var round = 0; round < 10; round++)
        {
            foreach (var (name, node) in info)
            {
                if (depth.ContainsKey(name) || !Sockets(node!).All(t => t.Split(',').Any(producers.ContainsKey) || t == "*" || !AnyProducer(t)))
                {
                    continue;
                }

                depth[name] = round;
                foreach (var output in node!["output"]!.AsArray().Select(o => o!.ToString()))
                {
                    producers.TryAdd(output, name);
                }
            }
        }
    }

    public JsonObject For(string classType)
    {
        var prompt = new JsonObject();
        var next = 1;
        Add(classType);
        var node = info[classType]!;
        if (node["output_node"]!.GetValue<bool>() is false && node["output"]!.AsArray().Count > 0)
        {
            prompt["999"] = new JsonObject { ["class_type"] = "PreviewAny", ["inputs"] = new JsonObject { ["source"] = new JsonArray("1", 0) } };
        }

        return prompt;

        string Add(string type)
        {
            var id = (next++).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var inputs = new JsonObject();
            prompt[id] = new JsonObject { ["class_type"] = type, ["inputs"] = inputs };
            var required = info[type]!["input"]!["required"] as JsonObject ?? [];
            foreach (var (name, spec) in required)
            {
                inputs[name] = Value(spec!.AsArray(), Add);
            }

            return id;
        }
    }

    private JsonNode? Value(JsonArray spec, Func<string, string> add)
    {
        var options = spec.Count > 1 ? spec[1] as JsonObject : null;
        if (spec[0] is JsonArray list)
        {
            return Pick(list);
        }

        var type = spec[0]!.GetValue<string>();
        switch (type)
        {
            case "INT":
                // In long arithmetic: bounds like ±9223372036854775807 do not survive a trip through double.
                var integer = Math.Clamp(Exact(options?["default"]) ?? 0, Exact(options?["min"]) ?? decimal.MinValue, Exact(options?["max"]) ?? decimal.MaxValue);
                return (long)decimal.Truncate(integer);
            case "FLOAT":
                var value = options?["default"]?.GetValue<double>() ?? options?["min"]?.GetValue<double>() ?? 0;
                value = Math.Clamp(value, options?["min"]?.GetValue<double>() ?? double.MinValue, options?["max"]?.GetValue<double>() ?? double.MaxValue);
                return value;
            case "STRING":
                return options?["default"]?.DeepClone() ?? "";
            case "BOOLEAN":
                return options?["default"]?.DeepClone() ?? false;
            case "COMBO":
                return options?["options"] is JsonArray { Count: > 0 } o ? Pick(o) : options?["default"]?.DeepClone() ?? InputFile;
        }

        var producer = type.Split(',').Select(t => producers.GetValueOrDefault(t)).FirstOrDefault(p => p is not null);
        return producer is null ? InputFile : new JsonArray(add(producer), Slot(producer, type));
    }

    private static decimal? Exact(JsonNode? number) =>
        number is null ? null : decimal.Parse(number.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);

    private int Slot(string producer, string type)
    {
        var outputs = info[producer]!["output"]!.AsArray().Select(o => o!.ToString()).ToList();
        return outputs.FindIndex(o => type.Split(',').Contains(o));
    }

    private static JsonNode? Pick(JsonArray options) =>
        options.FirstOrDefault(o => o?.ToString() == InputFile)?.DeepClone() ?? options[0]?.DeepClone();

    private IEnumerable<string> Sockets(JsonNode node) =>
        (node["input"]!["required"] as JsonObject ?? [])
            .Select(p => p.Value!.AsArray()[0])
            .Where(t => t is JsonValue v && v.GetValueKind() == JsonValueKind.String && !Widgets.Contains(v.GetValue<string>()))
            .Select(t => t!.GetValue<string>());

    private bool AnyProducer(string type) =>
        info.Any(p => p.Value!["output"]!.AsArray().Any(o => type.Split(',').Contains(o!.ToString())));
}
