using System.Collections.Immutable;
using ComfyUI.Reactive.Workflows;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ComfyUI.Reactive.Generators.Tests;

/// <summary>Runs <see cref="ObjectInfoGenerator"/> in Roslyn over given object_info text and user code.</summary>
internal static class GeneratorHarness
{
    private static readonly Lazy<IReadOnlyList<MetadataReference>> LazyReferences = new(LoadReferences);

    public static string Snapshot { get; } = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "object_info.json"));

    /// <summary>The framework, the SDK and this test's dependencies (System.Reactive), not this test assembly.</summary>
    public static IReadOnlyList<MetadataReference> References => LazyReferences.Value;

    public static CSharpParseOptions ParseOptions { get; } =
        new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);

    /// <summary>A compilation of <paramref name="code"/> (a library, nullable on, XML docs checked).</summary>
    public static CSharpCompilation Compilation(params string[] code) => CSharpCompilation.Create(
        "TypedNodesUser",
        code.Select((c, i) => CSharpSyntaxTree.ParseText(c, ParseOptions, path: $"User{i}.cs")),
        References,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary).WithNullableContextOptions(NullableContextOptions.Enable));

    public static GeneratorDriver Driver(params AdditionalText[] files) =>
        CSharpGeneratorDriver.Create(
            [new ObjectInfoGenerator().AsSourceGenerator()],
            files,
            ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Generates from <paramref name="objectInfo"/> and compiles it with <paramref name="code"/>.</summary>
    public static (Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics, GeneratorDriverRunResult Run) Generate(
        string objectInfo, params string[] code)
    {
        var driver = Driver(new TestText("/project/object_info.json", objectInfo))
            .RunGeneratorsAndUpdateCompilation(Compilation(code), out var output, out var diagnostics);
        return (output, diagnostics, driver.GetRunResult());
    }

    /// <summary>
    /// Errors in the code that was not generated: binding only those trees is several times faster than the whole
    /// compilation, and the generated code's own diagnostics are the snapshot tests' business.
    /// </summary>
    public static List<Diagnostic> UserErrors(Compilation compilation) =>
    [
        .. compilation.GetParseDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error),
        .. compilation.SyntaxTrees
            .Where(t => !t.FilePath.Contains(nameof(ObjectInfoGenerator), StringComparison.Ordinal))
            .SelectMany(t => compilation.GetSemanticModel(t).GetDiagnostics())
            .Where(d => d.Severity == DiagnosticSeverity.Error),
    ];

    public static IReadOnlyList<Diagnostic> Problems(Compilation compilation) =>
        [.. compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning)];

    private static IReadOnlyList<MetadataReference> LoadReferences()
    {
        // Not this test assembly: it holds the generated nodes of the snapshot itself (the generator is also its analyzer).
        var self = typeof(GeneratorHarness).Assembly.Location;
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => !string.Equals(p, self, StringComparison.Ordinal))
            .Append(typeof(Workflow).Assembly.Location)
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.First());
        return [.. paths.Select(p => MetadataReference.CreateFromFile(p))];
    }

}
