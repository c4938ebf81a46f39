using ComfyUI.Reactive.Generators.Planning;

namespace ComfyUI.Reactive.Generators.Emit;

/// <summary>Writes the type markers: one class per ComfyUI link type, used as <c>Output&lt;Model&gt;</c>.</summary>
internal static class TypesWriter
{
    public static string Write(GraphPlan graph, string source)
    {
        var code = new CodeBuilder(source);
        code.Line($"namespace {graph.TypesNamespace};").Line();
        foreach (var marker in graph.Markers)
        {
            code.DocXml("summary", $"The ComfyUI type {Docs.Code(marker.TypeName)}, as the type argument of an output (never instantiated).");
            code.GeneratedCode();
            code.Open($"public sealed class {marker.ClassName} : global::ComfyUI.Reactive.Workflows.Typed.IComfyType");
            code.Line($"private {marker.ClassName}()").Line("{").Line("}").Line();
            code.Doc("summary", "The ComfyUI type name.");
            code.Line($"public static string TypeName => {Literals.String(marker.TypeName)};");
            code.Close().Line();
        }

        return code.ToString();
    }
}
