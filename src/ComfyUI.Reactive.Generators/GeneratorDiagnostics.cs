using Microsoft.CodeAnalysis;

namespace ComfyUI.Reactive.Generators;

/// <summary>What the generator reports about its input files (AnalyzerReleases.Unshipped.md lists them).</summary>
internal static class GeneratorDiagnostics
{
    private const string Category = "ComfyUI.TypedNodes";

    public static readonly DiagnosticDescriptor UnreadableObjectInfo = new(
        "COMFY001",
        "object_info file cannot be read",
        "'{0}' is not an object_info file: {1}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The file must be the JSON of GET /object_info: an object of class type → node schema.");

    public static readonly DiagnosticDescriptor SkippedNode = new(
        "COMFY002",
        "Node skipped",
        "'{0}': node '{1}' was skipped because its schema is not an object",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);
}
