using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using ComfyUI.Reactive.Generators.Emit;
using ComfyUI.Reactive.Generators.Json;
using ComfyUI.Reactive.Generators.Naming;
using ComfyUI.Reactive.Generators.Planning;
using ComfyUI.Reactive.Generators.Schema;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace ComfyUI.Reactive.Generators;

/// <summary>
/// Generates typed node builders from a server's <c>object_info</c> JSON: every <c>AdditionalFiles</c> item named
/// <c>object_info.json</c> or <c>*.object_info.json</c> (or with <c>ComfyNamespace</c> metadata) becomes a graph class
/// (<c>ComfyGraph</c>, one method per node), handle classes per category namespace with typed outputs and combo
/// constants, and type markers (<c>Types.Model</c>, ...). See docs/typed-nodes.md.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ObjectInfoGenerator : IIncrementalGenerator
{
    /// <summary>The tracking name of the step that reads the files (tests check it is cached across unrelated edits).</summary>
    internal const string FilesStep = "ObjectInfoFiles";

    private const string DefaultNamespace = "ComfyNodes";
    private const string DefaultGraphName = "ComfyGraph";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var files = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select((pair, cancellationToken) =>
            {
                var (text, options) = pair;
                var metadata = options.GetOptions(text);
                metadata.TryGetValue("build_metadata.AdditionalFiles.ComfyNamespace", out var ns);
                metadata.TryGetValue("build_metadata.AdditionalFiles.ComfyGraphName", out var graph);
                var name = System.IO.Path.GetFileName(text.Path);
                var prefix = PrefixOf(name);
                if (prefix is null && string.IsNullOrWhiteSpace(ns))
                {
                    return null;
                }

                var rootNamespace = !string.IsNullOrWhiteSpace(ns)
                    ? ns!.Trim()
                    : prefix!.Length == 0 ? DefaultNamespace : DefaultNamespace + "." + Identifiers.Pascal(prefix);
                var graphName = !string.IsNullOrWhiteSpace(graph) ? graph!.Trim() : DefaultGraphName;
                return new ObjectInfoFile(text.Path, rootNamespace, graphName, text.GetText(cancellationToken)?.ToString());
            })
            .Where(file => file is not null)
            .WithTrackingName(FilesStep);

        context.RegisterSourceOutput(files, (output, file) => Generate(output, file!));
    }

    /// <summary>"object_info.json" → "", "sdxl.object_info.json" → "sdxl", anything else → null.</summary>
    private static string? PrefixOf(string fileName)
    {
        const string Suffix = "object_info.json";
        if (string.Equals(fileName, Suffix, StringComparison.OrdinalIgnoreCase))
        {
            return string.Empty;
        }

        return fileName.EndsWith("." + Suffix, StringComparison.OrdinalIgnoreCase)
            ? fileName.Substring(0, fileName.Length - Suffix.Length - 1)
            : null;
    }

    private static void Generate(SourceProductionContext output, ObjectInfoFile file)
    {
        JsonValue root;
        try
        {
            root = JsonReader.Parse(file.Content ?? throw new FormatException("the file could not be read"));
        }
        catch (FormatException ex)
        {
            output.ReportDiagnostic(Diagnostic.Create(GeneratorDiagnostics.UnreadableObjectInfo, Location.None, file.Path, ex.Message));
            return;
        }

        if (root.Kind != JsonKind.Object)
        {
            output.ReportDiagnostic(Diagnostic.Create(
                GeneratorDiagnostics.UnreadableObjectInfo, Location.None, file.Path, "the document is not a JSON object"));
            return;
        }

        var skipped = new List<string>();
        var nodes = SchemaReader.Read(root, skipped);
        foreach (var name in skipped)
        {
            output.ReportDiagnostic(Diagnostic.Create(GeneratorDiagnostics.SkippedNode, Location.None, file.Path, name));
        }

        var graph = GraphPlanner.Plan(file.RootNamespace, file.GraphName, nodes);
        var source = file.FileName;
        output.AddSource($"{file.RootNamespace}.{file.GraphName}.g.cs", Text(GraphWriter.Write(graph, source)));
        output.AddSource($"{file.RootNamespace}.Types.g.cs", Text(TypesWriter.Write(graph, source)));
        foreach (var group in graph.Nodes.GroupBy(n => n.Namespace, StringComparer.Ordinal))
        {
            output.AddSource($"{group.Key}.Nodes.g.cs", Text(NodeClassWriter.Write(graph, group.Key, group, source)));
        }
    }

    private static SourceText Text(string code) => SourceText.From(code, Encoding.UTF8);
}
