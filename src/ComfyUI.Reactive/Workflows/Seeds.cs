using System.Text.Json;
using System.Text.Json.Nodes;

namespace ComfyUI.Reactive.Workflows;

/// <summary>
/// Random seeds: a <c>seed</c>/<c>noise_seed</c> input holding <c>-1</c> gets a fresh value each time a prompt is rendered.
/// </summary>
internal static class Seeds
{
    /// <summary>The input names treated as seeds (KSampler's <c>seed</c>, KSamplerAdvanced's and RandomNoise's <c>noise_seed</c>).</summary>
    public static readonly string[] InputNames = ["seed", "noise_seed"];

    // The ComfyUI frontend draws "randomize" seeds below 2^50 too: every value stays exact in JavaScript and JSON readers.
    private const long DefaultExclusiveMax = 1L << 50;

    public static bool HasRandom(JsonElement node)
    {
        if (Workflow.InputsOf(node) is not { } inputs)
        {
            return false;
        }

        foreach (var name in InputNames)
        {
            if (inputs.TryGetProperty(name, out var v) && IsRandomMarker(v))
            {
                return true;
            }
        }

        return false;
    }

    public static void Draw(JsonObject root, Random random, NodeSchemaCatalog? schema)
    {
        foreach (var (_, nodeNode) in root)
        {
            if (nodeNode is not JsonObject node || node["inputs"] is not JsonObject inputs)
            {
                continue;
            }

            foreach (var name in InputNames)
            {
                if (inputs[name] is JsonValue value && value.GetValueKind() == JsonValueKind.Number && IsRandomMarker(value))
                {
                    var (min, max) = Range(schema, node["class_type"]?.GetValueKind() == JsonValueKind.String ? node["class_type"]!.GetValue<string>() : null, name);
                    inputs[name] = random.NextInt64(min, max);
                }
            }
        }
    }

    private static bool IsRandomMarker(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) && n == Workflow.RandomSeed;

    private static bool IsRandomMarker(JsonValue value) =>
        value.TryGetValue<JsonElement>(out var element) ? IsRandomMarker(element)
        : value.TryGetValue<long>(out var l) ? l == Workflow.RandomSeed
        : value.TryGetValue<int>(out var i) && i == Workflow.RandomSeed;

    private static (long Min, long ExclusiveMax) Range(NodeSchemaCatalog? schema, string? classType, string input)
    {
        long min = 0, max = DefaultExclusiveMax;
        if (schema is not null && classType is not null && schema.TryGetNode(classType, out var info) && info.Input.Find(input) is { } spec)
        {
            if (spec.Min is { } lo && lo > 0 && lo < DefaultExclusiveMax)
            {
                min = (long)lo;
            }

            if (spec.Max is { } hi && hi + 1 < DefaultExclusiveMax && hi >= min)
            {
                max = (long)hi + 1;
            }
        }

        return (min, max);
    }
}
