using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ComfyUI.Reactive.Generators.Tests;

/// <summary>
/// The <c>```cs</c> blocks of docs/typed-nodes.md use generated nodes, which the repository's docs test (plain Roslyn,
/// no generator) cannot compile: here they compile with the generator over the real snapshot, in order, as one program.
/// A block whose first line is <c>// does not compile: CSxxxx ...</c> must fail with exactly that error.
/// </summary>
public sealed partial class TypedNodesDocTests
{
    private const string NotCompiling = "// does not compile: ";

    [Fact]
    public void CsBlocks_WithTheGenerator_Compile()
    {
        var errors = Errors(Blocks().Where(b => !b.StartsWith(NotCompiling, StringComparison.Ordinal)));

        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void BlocksMarkedNotCompiling_FailWithTheNamedError()
    {
        var good = Blocks().Where(b => !b.StartsWith(NotCompiling, StringComparison.Ordinal)).ToList();
        var bad = Blocks().Where(b => b.StartsWith(NotCompiling, StringComparison.Ordinal)).ToList();

        Assert.Equal(3, bad.Count);
        foreach (var block in bad)
        {
            var expected = block[NotCompiling.Length..].Split(',')[0];
            var errors = Errors(good.Append(block));
            Assert.True(errors.Count == 1 && errors[0].Id == expected, $"{expected} expected for\n{block}\ngot\n{string.Join("\n", errors)}");
        }
    }

    [Fact]
    public void CsharpBlocks_WithoutTheGenerator_Compile()
    {
        // The repository's docs test compiles these without the generator; checked here too, with the same rules.
        var blocks = CsharpBlock().Matches(Markdown()).Select(m => m.Groups["code"].Value).ToList();

        Assert.NotEmpty(blocks);
        var errors = Errors(blocks, withGenerator: false);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    private static List<Diagnostic> Errors(IEnumerable<string> blocks, bool withGenerator = true)
    {
        var usings = new SortedSet<string>(StringComparer.Ordinal);
        var program = new System.Text.StringBuilder();
        foreach (var line in blocks.SelectMany(b => b.Split('\n')))
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

        var implicitUsings = "global using System; global using System.Collections.Generic; global using System.IO; " +
            "global using System.Linq; global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;\n";
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            "TypedNodesDoc",
            [
                CSharpSyntaxTree.ParseText(implicitUsings, parse),
                CSharpSyntaxTree.ParseText(string.Join("\n", usings) + "\n" + program, parse, path: "docs/typed-nodes.md"),
            ],
            GeneratorHarness.References,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication).WithNullableContextOptions(NullableContextOptions.Enable));
        if (!withGenerator)
        {
            return [.. compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)];
        }

        GeneratorHarness.Driver(new TestText("/docs/object_info.json", GeneratorHarness.Snapshot))
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return GeneratorHarness.UserErrors(output);
    }

    private static List<string> Blocks() => [.. CsBlock().Matches(Markdown()).Select(m => m.Groups["code"].Value)];

    private static string Markdown() => File.ReadAllText(Path.Combine(RepoRoot(), "docs", "typed-nodes.md"));

    private static string RepoRoot()
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

    [GeneratedRegex(@"^```cs[ \t]*\r?\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CsBlock();

    [GeneratedRegex(@"^```csharp[ \t]*\r?\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CsharpBlock();

    [GeneratedRegex(@"^\s*using [A-Za-z0-9_.]+;\s*$")]
    private static partial Regex UsingDirective();
}
