using System.Collections.Generic;
using System.Linq;
using ComfyUI.Reactive.Generators.Planning;

namespace ComfyUI.Reactive.Generators.Emit;

/// <summary>Writes the node handle classes of one category namespace: typed outputs, combo constants, result accessors.</summary>
internal static class NodeClassWriter
{
    private const string Typed = "global::ComfyUI.Reactive.Workflows.Typed.";

    public static string Write(GraphPlan graph, string @namespace, IEnumerable<NodePlan> nodes, string source)
    {
        var code = new CodeBuilder(source);
        code.Line($"namespace {@namespace};").Line();
        foreach (var node in nodes)
        {
            WriteClass(code, graph, node);
            code.Line();
        }

        return code.ToString();
    }

    private static void WriteClass(CodeBuilder code, GraphPlan graph, NodePlan node)
    {
        var schema = node.Schema;
        var method = $"global::{graph.RootNamespace}.{graph.GraphName}.{node.MethodName}";
        code.DocXml("summary", $"A {Docs.NodeSummary(schema)} Added with <see cref=\"{method}\"/>.");
        var baseClass = schema.IsOutputNode ? "OutputNode" : "TypedNode";
        code.GeneratedCode();
        code.Open($"public sealed class {node.ClassName} : {Typed}{baseClass}");
        code.Line($"internal {node.ClassName}(global::ComfyUI.Reactive.Workflows.WorkflowNode node)");
        code.Line("    : base(node)").Line("{").Line("}");
        foreach (var output in node.Outputs)
        {
            code.Line();
            code.DocXml("summary", Docs.Output(output.Output, output.Index));
            var type = $"{Typed}Output<global::{graph.TypesNamespace}.{output.Marker.ClassName}>";
            code.Line($"public {type} {output.PropertyName} => OutputAt<global::{graph.TypesNamespace}.{output.Marker.ClassName}>({output.Index});");
        }

        foreach (var accessor in node.ResultAccessors)
        {
            code.Line();
            code.DocXml("summary", $"The {Docs.Escape(accessor.What)} this node produced in a job.");
            code.Doc("param", "The job's result.", "name=\"result\"");
            code.Doc("returns", $"The {accessor.What}, possibly none.");
            code.Line($"public {accessor.ReturnType} {accessor.MethodName}(global::ComfyUI.Reactive.Jobs.JobResult result) =>");
            code.Line($"    global::ComfyUI.Reactive.Jobs.TypedJobResults.Of(result, this).{accessor.JobOutputMember};");
        }

        foreach (var options in node.Options)
        {
            code.Line();
            code.DocXml("summary", $"The values of input {Docs.Code(options.InputName)} when object_info was read " +
                $"({options.Constants.Count}: {Docs.Sample(options.Constants.Select(c => c.Value))}{(options.Constants.Count > 5 ? ", ..." : string.Empty)}).");
            code.Open($"public static class {options.ClassName}");
            foreach (var constant in options.Constants)
            {
                code.DocXml("summary", Docs.Code(constant.Value));
                code.Line($"public const string {constant.Key} = {Literals.String(constant.Value)};");
            }

            code.Close();
        }

        code.Close();
    }
}
