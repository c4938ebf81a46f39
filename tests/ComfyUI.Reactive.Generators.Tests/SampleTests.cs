using System.Diagnostics;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Generators.Tests;

/// <summary>samples/ComfyUI.Reactive.TypedNodes run as a user would: its own process, on the embedded emulator.</summary>
public sealed class SampleTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Sample_NoArguments_RunsTheTypedGraphAndSavesAPng()
    {
        var (exitCode, output, directory) = await RunAsync();
        try
        {
            Assert.True(exitCode == 0, output);
            var png = Assert.Single(Directory.GetFiles(Path.Combine(directory, "output"), "*.png"));
            Assert.Contains("Saved " + png, output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Sample_WriteObjectInfo_WritesTheServersSchemas()
    {
        var (exitCode, output, directory) = await RunAsync("--write-object-info", "object_info.json");
        try
        {
            Assert.True(exitCode == 0, output);
            var catalog = NodeSchemaCatalog.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "object_info.json")));
            Assert.True(catalog.Contains("KSampler") && catalog.Count >= 383, $"{catalog.Count} nodes");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output, string Directory)> RunAsync(params string[] arguments)
    {
        // Built beside this test assembly's configuration: .../bin/<Configuration>/net10.0/.
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory);
        var root = testOutput.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        const string Sample = "ComfyUI.Reactive.TypedNodes";
        var dll = Path.Combine(root, "samples", Sample, "bin", testOutput.Parent.Name, testOutput.Name, Sample + ".dll");
        Assert.True(File.Exists(dll), $"{dll} was not built");

        var directory = Directory.CreateTempSubdirectory("comfyui-typed-sample-").FullName;
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("COMFYUI_URL");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(Limit);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr, directory);
    }
}
