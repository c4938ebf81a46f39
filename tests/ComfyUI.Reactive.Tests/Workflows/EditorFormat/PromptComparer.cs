using System.Globalization;
using System.Text.Json.Nodes;

namespace ComfyUI.Reactive.Tests.Workflows.EditorFormat;

/// <summary>
/// Compares two API-format prompts the way the server reads them: the same node ids, class types, titles and inputs;
/// numbers by value (the frontend writes <c>8</c> where Python wrote <c>8.0</c>), links as <c>[id, slot]</c>.
/// </summary>
internal static class PromptComparer
{
    public static IReadOnlyList<string> Differences(JsonObject expected, JsonObject actual)
    {
        var differences = new List<string>();
        foreach (var id in expected.Select(p => p.Key).Except(actual.Select(p => p.Key)))
        {
            differences.Add($"node {id} ({expected[id]?["class_type"]}) is missing");
        }

        foreach (var id in actual.Select(p => p.Key).Except(expected.Select(p => p.Key)))
        {
            differences.Add($"node {id} ({actual[id]?["class_type"]}) is extra");
        }

        foreach (var (id, node) in expected)
        {
            if (actual[id] is not JsonObject other || node is not JsonObject mine)
            {
                continue;
            }

            Compare($"{id}.class_type", mine["class_type"], other["class_type"], differences);
            if (mine["_meta"] is not null)
            {
                // Prompts from before mid-2024 have no _meta at all.
                Compare($"{id}._meta.title", mine["_meta"]?["title"], other["_meta"]?["title"], differences);
            }

            var inputs = mine["inputs"] as JsonObject ?? [];
            var otherInputs = other["inputs"] as JsonObject ?? [];
            foreach (var name in inputs.Select(p => p.Key).Union(otherInputs.Select(p => p.Key)))
            {
                Compare($"{id}.inputs.{name}", inputs.ContainsKey(name) ? inputs[name] : Missing, otherInputs.ContainsKey(name) ? otherInputs[name] : Missing, differences);
            }
        }

        return differences;
    }

    private static readonly JsonNode Missing = JsonValue.Create("<absent>");

    private static void Compare(string path, JsonNode? expected, JsonNode? actual, List<string> differences)
    {
        if (!Same(expected, actual))
        {
            differences.Add($"{path}: expected {expected?.ToJsonString() ?? "null"}, got {actual?.ToJsonString() ?? "null"}");
        }
    }

    private static bool Same(JsonNode? a, JsonNode? b) => (a, b) switch
    {
        (null, null) => true,
        (JsonArray x, JsonArray y) => x.Count == y.Count && x.Zip(y).All(p => Same(p.First, p.Second)),
        (JsonObject x, JsonObject y) => x.Count == y.Count && x.All(p => y.ContainsKey(p.Key) && Same(p.Value, y[p.Key])),
        (JsonValue x, JsonValue y) when Number(x) is { } m && Number(y) is { } n => m == n,
        (JsonValue x, JsonValue y) => x.ToJsonString() == y.ToJsonString(),
        _ => false,
    };

    private static decimal? Number(JsonValue value) =>
        value.GetValueKind() == System.Text.Json.JsonValueKind.Number &&
        decimal.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
}
