using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ComfyUI.Reactive.IntegrationTests.Docs;

/// <summary>
/// Every <c>```csharp</c> block of README.md and docs/*.md must compile against the current SDK and emulator, so the
/// documentation cannot silently drift from the API. A document reads like a notebook: its statement blocks form one
/// program in order (a later block may use a variable an earlier one declared), <c>using</c> lines are hoisted, and
/// blocks that declare types are compiled beside it. Only the implicit usings of a new console project are added, so
/// a block that needs more says so itself, as a reader copying it would need.
/// </summary>
public sealed partial class DocsCodeBlocksTests
{
    private static readonly string[] ImplicitUsings =
    [
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading",
        "System.Threading.Tasks",
    ];

    private static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(LoadReferences);

    /// <summary>Programs emitted from a document to run (<see cref="ReadmeQuickStartTests"/>) are never references.</summary>
    internal const string EmittedProgramPrefix = "DocProgram-";

    public static TheoryData<string> Documents() => [.. DocumentFiles()];

    [Theory]
    [MemberData(nameof(Documents))]
    public void CodeBlocks_Compile(string file)
    {
        var compilation = Compile(file);

        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, $"C# blocks of {file} do not compile:\n" + string.Join("\n", errors));
    }

    /// <summary>The C# blocks of one document as one compilation (a console program when it has statements).</summary>
    internal static CSharpCompilation Compile(string file)
    {
        var blocks = ExtractBlocks(File.ReadAllText(Path.Combine(RepoRoot, file)));
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = new List<SyntaxTree>
        {
            CSharpSyntaxTree.ParseText(string.Concat(ImplicitUsings.Select(u => $"global using {u};\n")), parse),
        };
        var usings = new SortedSet<string>(StringComparer.Ordinal);
        var program = new System.Text.StringBuilder();
        for (var i = 0; i < blocks.Count; i++)
        {
            var code = blocks[i];
            if (TypeDeclaration().IsMatch(code))
            {
                trees.Add(CSharpSyntaxTree.ParseText(code, parse, path: $"{file} block {i + 1}"));
                continue;
            }

            foreach (var line in code.Split('\n'))
            {
                if (UsingDirective().IsMatch(line))
                {
                    usings.Add(line.Trim());
                }
                else
                {
                    program.Append(line).Append('\n');
                }
            }
        }

        var hasProgram = program.ToString().Trim().Length > 0;
        if (hasProgram)
        {
            trees.Add(CSharpSyntaxTree.ParseText(string.Join("\n", usings) + "\n" + program, parse, path: $"{file} statements"));
        }

        return CSharpCompilation.Create(
            "DocBlocks",
            trees,
            References.Value,
            new CSharpCompilationOptions(hasProgram ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary)
                .WithNullableContextOptions(NullableContextOptions.Enable));
    }

    [Fact]
    public void Readme_HasCodeBlocks_SoTheTheoryIsNotVacuous()
    {
        Assert.NotEmpty(ExtractBlocks(File.ReadAllText(Path.Combine(RepoRoot, "README.md"))));
    }

    private static IEnumerable<string> DocumentFiles()
    {
        yield return "README.md";
        foreach (var path in Directory.GetFiles(Path.Combine(RepoRoot, "docs"), "*.md").Order(StringComparer.Ordinal))
        {
            yield return "docs/" + Path.GetFileName(path);
        }
    }
    private static List<string> ExtractBlocks(string markdown) =>
        [.. CSharpBlock().Matches(markdown).Select(m => m.Groups["code"].Value)];

    internal static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ComfyUI.Reactive.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ComfyUI.Reactive.sln not found above " + AppContext.BaseDirectory);
    }

    private static IReadOnlyList<MetadataReference> LoadReferences()
    {
        // The framework (including ASP.NET Core, which the emulator brings) plus everything in the test's output folder.
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(Directory.GetFiles(AppContext.BaseDirectory, "*.dll")
                .Where(p => !Path.GetFileName(p).StartsWith(EmittedProgramPrefix, StringComparison.Ordinal)))
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.First());
        return [.. paths.Select(p => MetadataReference.CreateFromFile(p))];
    }

    [GeneratedRegex(@"^```csharp[ \t]*\r?\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"^\s*(public |internal |file )?(sealed |static |abstract |partial )*(class|record|struct|interface|namespace) ", RegexOptions.Multiline)]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"^\s*using [A-Za-z0-9_.]+( = [A-Za-z0-9_.<>]+)?;\s*$")]
    private static partial Regex UsingDirective();
}
