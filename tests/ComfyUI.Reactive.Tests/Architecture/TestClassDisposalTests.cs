using System.Text.RegularExpressions;

namespace ComfyUI.Reactive.Tests.Architecture;

/// <summary>
/// xunit 2 disposes a test class through <c>IDisposable</c> or <c>IAsyncLifetime</c>, never through
/// <c>IAsyncDisposable</c>: seventeen test classes once declared only that, so their emulators, pools and clients were
/// never released (the unit tests ran in 40 s instead of 15). No test class may do it again.
/// </summary>
public sealed partial class TestClassDisposalTests
{
    [Fact]
    public void TestClasses_ThatDisposeAsynchronously_UseIAsyncLifetime()
    {
        var offenders = new List<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(RepoRoot(), "tests"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ||
                file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            var text = File.ReadAllText(file);
            if (!text.Contains("[Fact]", StringComparison.Ordinal) && !text.Contains("[Theory]", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (Match declaration in ClassDeclaration().Matches(text))
            {
                var bases = declaration.Groups["bases"].Value;
                if (bases.Contains("IAsyncDisposable", StringComparison.Ordinal) && !bases.Contains("IAsyncLifetime", StringComparison.Ordinal))
                {
                    offenders.Add($"{Path.GetFileName(file)}: {declaration.Groups["name"].Value}");
                }
            }
        }

        Assert.True(offenders.Count == 0, "Test classes that xunit 2 never disposes (use IAsyncLifetime): " + string.Join(", ", offenders));
    }

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

    [GeneratedRegex(@"^public sealed (?:partial )?class (?<name>\w+)[^\n:]*:(?<bases>[^\n{]*)", RegexOptions.Multiline)]
    private static partial Regex ClassDeclaration();
}
