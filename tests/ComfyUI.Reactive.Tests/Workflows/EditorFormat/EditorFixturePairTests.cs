using System.Text.Json.Nodes;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Tests.Workflows.EditorFormat;

/// <summary>Real pairs of a UI "Save" file and the API prompt the frontend made from it (see Fixtures/workflows/editor/README.md).</summary>
public sealed class EditorFixturePairTests
{
    public static TheoryData<string> Pairs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Folder, "*.ui.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file)[..^".ui.json".Length]);
        }

        return data;
    }

    /// <summary>The fixture catalog without inputs that nodes gained after the pair was saved (listed in its .drift.json).</summary>
    private static NodeSchemaCatalog CatalogOfItsTime(JsonNode drift)
    {
        var info = JsonNode.Parse(File.ReadAllText(Path.Combine(WorkflowFixtures.Root, "rest", "object_info.json")))!;
        foreach (var entry in drift["remove_inputs"]!.AsArray().Select(x => x!.GetValue<string>()))
        {
            var (cls, input) = (entry[..entry.IndexOf('.', StringComparison.Ordinal)], entry[(entry.IndexOf('.', StringComparison.Ordinal) + 1)..]);
            foreach (var group in new[] { "required", "optional" })
            {
                (info[cls]!["input"]![group] as JsonObject)?.Remove(input);
                var order = info[cls]!["input_order"]?[group] as JsonArray;
                order?.Remove(order.FirstOrDefault(x => x!.GetValue<string>() == input));
            }
        }

        return NodeSchemaCatalog.Parse(info.ToJsonString());
    }

    private static string Folder => Environment.GetEnvironmentVariable("COMFY_EDITOR_PAIRS") ?? Path.Combine(WorkflowFixtures.Root, "workflows", "editor");

    [Theory]
    [MemberData(nameof(Pairs))]
    public void FromEditorFormat_RealPair_EqualsTheFrontendsApiExport(string name)
    {
        var ui = File.ReadAllText(Path.Combine(Folder, name + ".ui.json"));
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, name + ".api.json")))!.AsObject();

        var driftFile = Path.Combine(Folder, name + ".drift.json");
        var catalog = File.Exists(driftFile) ? CatalogOfItsTime(JsonNode.Parse(File.ReadAllText(driftFile))!) : WorkflowFixtures.Catalog;

        var actual = JsonNode.Parse(Workflow.FromEditorFormat(ui, catalog).ToJson())!.AsObject();

        Assert.Empty(PromptComparer.Differences(expected, actual));
    }
}
