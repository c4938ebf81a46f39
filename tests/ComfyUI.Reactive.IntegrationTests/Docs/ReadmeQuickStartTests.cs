using System.Diagnostics;

namespace ComfyUI.Reactive.IntegrationTests.Docs;

/// <summary>
/// The README's quick start, compiled from the README itself and run as a reader would run it: a console program in a
/// folder holding the exported workflow, twice in a row (a second run must not trip over the first run's image).
/// </summary>
[Collection(Packaging.HeavyProcesses.Name)]
public sealed class ReadmeQuickStartTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task QuickStart_RunTwiceInOneFolder_BothSucceedAndNoLineIsAnEmptyQueuePosition()
    {
        var program = EmitReadmeProgram();
        var folder = Directory.CreateTempSubdirectory("comfyui-readme-").FullName;
        try
        {
            File.Copy(
                Path.Combine(DocsCodeBlocksTests.RepoRoot, "samples", "ComfyUI.Reactive.QuickStart", "txt2img_sd15.json"),
                Path.Combine(folder, "txt2img_sd15.json"));

            var first = await RunAsync(program, folder);
            var second = await RunAsync(program, folder);

            Assert.True(first.ExitCode == 0, first.Output);
            Assert.True(second.ExitCode == 0, second.Output);
            var firstLines = first.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.DoesNotContain(firstLines, line => line == "queued at");
            Assert.StartsWith("queued", firstLines[0], StringComparison.Ordinal);
            Assert.StartsWith("saved ", firstLines[^1], StringComparison.Ordinal);
            Assert.Single(Directory.GetFiles(Path.Combine(folder, "output"), "*.png"));
        }
        finally
        {
            File.Delete(program);
            Directory.Delete(folder, recursive: true);
        }
    }

    // Emitted next to this test assembly so it runs with the test's own deps.json and runtimeconfig (SDK, emulator,
    // SkiaSharp's native library), as `dotnet exec` runs a test host.
    private static string EmitReadmeProgram()
    {
        var compilation = DocsCodeBlocksTests.Compile("README.md");
        var path = Path.Combine(AppContext.BaseDirectory, $"{DocsCodeBlocksTests.EmittedProgramPrefix}{Guid.NewGuid():N}.dll");
        using (var output = File.Create(path))
        {
            var emitted = compilation.Emit(output);
            Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        }

        return path;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string workingDirectory)
    {
        var testAssembly = Path.Combine(AppContext.BaseDirectory, typeof(ReadmeQuickStartTests).Assembly.GetName().Name!);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "exec", "--depsfile", testAssembly + ".deps.json", "--runtimeconfig", testAssembly + ".runtimeconfig.json", program })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the README quick start did not finish within {Limit}:\n{await stdout}{await stderr}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
