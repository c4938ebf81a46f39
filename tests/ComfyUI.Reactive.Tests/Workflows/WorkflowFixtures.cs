using System.Text.Json;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Rest;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Tests.Workflows;

/// <summary>The recorded workflows, the real server's object_info and its 400 bodies.</summary>
internal static class WorkflowFixtures
{
    private static readonly Lazy<NodeSchemaCatalog> LazyCatalog = new(() =>
        NodeSchemaCatalog.Parse(File.ReadAllText(Path.Combine(Root, "rest", "object_info.json"))));

    public static string Root => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    /// <summary>The real 0.3.64 object_info (section 1 of the transcripts: no checkpoints, empty input folder).</summary>
    public static NodeSchemaCatalog Catalog => LazyCatalog.Value;

    public static string Path_(string name) => Path.Combine(Root, "workflows", name);

    public static string Text(string name) => File.ReadAllText(Path_(name));

    public static Workflow Load(string name) => Workflow.Load(Path_(name));

    public static IEnumerable<string> ValidNames() =>
        Directory.GetFiles(Path.Combine(Root, "workflows"), "*.json").Select(Path.GetFileName).Order()!;

    public static IEnumerable<string> InvalidNames() =>
        Directory.GetFiles(Path.Combine(Root, "workflows", "invalid"), "*.json").Select(Path.GetFileName).Order()!;

    /// <summary>The server's recorded 400 body for an invalid workflow (transcripts §6).</summary>
    public static (PromptError Error, IReadOnlyDictionary<string, NodeValidationError> NodeErrors) Recorded(string invalidName)
    {
        var body = File.ReadAllText(Path.Combine(Root, "rest", "validation-" + Path.GetFileNameWithoutExtension(invalidName) + ".json"));
        var parsed = JsonSerializer.Deserialize(body, ComfyRestJsonContext.Default.PromptErrorBody)!;
        return (parsed.Error!, parsed.NodeErrors!);
    }
}
