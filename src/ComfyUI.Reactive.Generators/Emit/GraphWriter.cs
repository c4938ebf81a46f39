using System.Linq;
using ComfyUI.Reactive.Generators.Naming;
using ComfyUI.Reactive.Generators.Planning;
using ComfyUI.Reactive.Generators.Schema;

namespace ComfyUI.Reactive.Generators.Emit;

/// <summary>Writes the graph builder class: one method per node class, each adding a node and returning its handle.</summary>
internal static class GraphWriter
{
    private const string Typed = "global::ComfyUI.Reactive.Workflows.Typed.";

    private static readonly string[] TitleAndIdParameters = { "string? nodeTitle = null", "string? nodeId = null" };

    public static string Write(GraphPlan graph, string source)
    {
        var code = new CodeBuilder(source);
        code.Line($"namespace {graph.RootNamespace};").Line();
        code.DocXml("summary", $"A typed graph of the {graph.Nodes.Count} node classes in {Docs.Escape(source)}: one method per node, its inputs as " +
            "parameters; <see cref=\"" + Typed + "TypedGraph.Build\"/> gives an ordinary workflow.");
        code.GeneratedCode();
        code.Open($"public partial class {graph.GraphName} : {Typed}TypedGraph");
        code.Doc("summary", "Creates an empty graph.");
        code.Doc("param", "Node schemas for the builder underneath; null needs none.", "name=\"schema\"");
        code.Line($"public {graph.GraphName}(global::ComfyUI.Reactive.Workflows.NodeSchemaCatalog? schema = null)");
        code.Line("    : base(schema)").Line("{").Line("}");
        foreach (var node in graph.Nodes)
        {
            code.Line();
            WriteMethod(code, node);
        }

        code.Close();
        return code.ToString();
    }

    private static void WriteMethod(CodeBuilder code, NodePlan node)
    {
        var schema = node.Schema;
        code.DocXml("summary", "Adds " + Docs.NodeSummary(schema));
        foreach (var parameter in node.Parameters)
        {
            var options = parameter.Options is null ? null : node.FullClassName + "." + parameter.Options.ClassName;
            code.DocXml("param", Docs.Parameter(parameter.Input, options), $"name=\"{parameter.Name}\"");
        }

        var title = schema.DisplayName is { Length: > 0 } display ? display : schema.ClassType;
        code.DocXml("param", $"The title (<c>_meta.title</c>); null for {Docs.Code(title)}.", "name=\"nodeTitle\"");
        code.Doc("param", "The node id; null for the next free number.", "name=\"nodeId\"");
        code.Doc("returns", "The node, with its outputs.");
        var signature = node.Parameters
            .Select(p => $"{p.Type} {Identifiers.Escape(p.Name)}" + (p.DefaultLiteral is null ? string.Empty : " = " + p.DefaultLiteral))
            .Concat(TitleAndIdParameters);
        code.Open($"public {node.FullClassName} {node.MethodName}({string.Join(", ", signature)})");
        foreach (var parameter in node.Parameters.Where(p => !p.OmitsWhenNull && !IsValueType(p.Input.Kind)))
        {
            code.Line($"global::System.ArgumentNullException.ThrowIfNull({Identifiers.Escape(parameter.Name)});");
        }

        foreach (var link in node.Parameters.Where(p => p.Input.IsLink))
        {
            code.Line($"EnsureOwnOutput({Identifiers.Escape(link.Name)}, {Literals.String(link.Input.Name)});");
        }

        code.Line($"var node = AddNode({Literals.String(schema.ClassType)}, nodeTitle ?? {Literals.String(title)}, nodeId);");
        foreach (var parameter in node.Parameters.OrderBy(p => node.Schema.Inputs.IndexOfReference(p.Input)))
        {
            WriteInput(code, parameter);
        }

        code.Line($"return new {node.FullClassName}(node);");
        code.Close();
    }

    private static void WriteInput(CodeBuilder code, ParameterPlan parameter)
    {
        var name = Identifiers.Escape(parameter.Name);
        var input = Literals.String(parameter.Input.Name);
        var call = parameter.Input.IsLink
            ? $"node.Connect({input}, {name}.Slot);"
            : $"node.Set({input}, {name});";
        if (parameter.OmitsWhenNull)
        {
            call = parameter.Input.IsLink || !IsValueType(parameter.Input.Kind)
                ? $"if ({name} is not null) {call}"
                : $"if ({name}.HasValue) node.Set({input}, {name}.Value);";
        }

        code.Line(call);
    }

    private static bool IsValueType(InputKind kind) => kind is InputKind.Int or InputKind.Float or InputKind.Boolean;

    private static int IndexOfReference(this System.Collections.Generic.IReadOnlyList<InputSchema> inputs, InputSchema input)
    {
        for (var i = 0; i < inputs.Count; i++)
        {
            if (ReferenceEquals(inputs[i], input))
            {
                return i;
            }
        }

        return -1;
    }
}
