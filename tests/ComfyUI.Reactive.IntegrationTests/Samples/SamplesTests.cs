using System.Diagnostics;
using ComfyUI.Reactive.Emulator;

namespace ComfyUI.Reactive.IntegrationTests.Samples;

/// <summary>
/// Runs every sample as a user would (its own process, no arguments, no COMFYUI_URL, so on the embedded emulator) and
/// checks it succeeds and did what its README line promises.
/// </summary>
public sealed class SamplesTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task QuickStart_NoArguments_WritesAValidPngUnderOutput()
    {
        var run = await RunAsync("ComfyUI.Reactive.QuickStart");

        Assert.True(run.ExitCode == 0, run.Describe());
        var png = Assert.Single(Directory.GetFiles(Path.Combine(run.WorkingDirectory, "output"), "*.png"));
        var bytes = await File.ReadAllBytesAsync(png);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], bytes[..8]);
        Assert.Contains(Path.GetFileName(png), run.Output, StringComparison.Ordinal);

        // A CI log ends with the final state, not with whatever frame of the bar was drawn last.
        var lines = run.Lines;
        Assert.StartsWith("Saved ", lines[^1], StringComparison.Ordinal);
        var done = Array.LastIndexOf(lines, "Done: 100%");
        Assert.True(done >= 0 && lines.Skip(done + 1).All(l => !l.EndsWith('%')), run.Describe());
    }

    [Fact]
    public async Task QuickStart_WorkflowInAMissingFolder_ExitsSixtySixNamingTheFile()
    {
        var run = await RunAsync("ComfyUI.Reactive.QuickStart", "--workflow", "missing/dir/x.json");

        Assert.True(run.ExitCode == 66, run.Describe());
        Assert.Contains(Path.Combine("missing", "dir", "x.json"), run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuickStart_InvalidSet_ExitsNonZeroNamingNodeInputAndValue()
    {
        var run = await RunAsync("ComfyUI.Reactive.QuickStart", "--set", "4.inputs.ckpt_name=missing.safetensors");

        Assert.Equal(4, run.ExitCode);
        Assert.Contains("node 4 (CheckpointLoaderSimple): value_not_in_list", run.Output, StringComparison.Ordinal);
        Assert.Contains("missing.safetensors", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuickStart_MisspeltSet_ExitsNonZeroNamingTheNearestInput()
    {
        var run = await RunAsync("ComfyUI.Reactive.QuickStart", "--set", "6.inputs.txet=hello");

        Assert.Equal(64, run.ExitCode);
        Assert.Contains("no input 'txet'", run.Output, StringComparison.Ordinal);
        Assert.Contains("'text'", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuickStart_EditorFormatWorkflow_IsConvertedAndRuns()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("comfyui-ui-").FullName, "saved.json");
        await File.WriteAllTextAsync(file, """
            {"nodes":[
              {"id":1,"type":"EmptyImage","mode":0,"inputs":[],"outputs":[{"name":"IMAGE","type":"IMAGE","links":[1]}],"widgets_values":[64,64,1,65280]},
              {"id":2,"type":"Note","mode":0,"inputs":[],"outputs":[],"widgets_values":["frontend only"]},
              {"id":3,"type":"SaveImage","mode":0,"inputs":[{"name":"images","type":"IMAGE","link":1}],"outputs":[],"widgets_values":["ui"]}],
             "links":[[1,1,0,3,0,"IMAGE"]],"version":0.4}
            """);

        var run = await RunAsync("ComfyUI.Reactive.QuickStart", "--workflow", file);

        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Single(Directory.GetFiles(Path.Combine(run.WorkingDirectory, "output"), "*.png"));
    }

    [Fact]
    public async Task QuickStart_PngWithEmbeddedPrompt_RunsThatPrompt()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("comfyui-png-").FullName, "ComfyUI_00001_.png");
        var prompt = """{"1":{"class_type":"EmptyImage","inputs":{"width":64,"height":64,"batch_size":1,"color":255}},"2":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":"png"}}}""";
        byte[] text = [.. "prompt"u8, 0, .. System.Text.Encoding.Latin1.GetBytes(prompt)];
        byte[] chunk = [.. BigEndian(text.Length), .. "tEXt"u8, .. text, 0, 0, 0, 0];
        byte[] iend = [0, 0, 0, 0, .. "IEND"u8, 0, 0, 0, 0];
        await File.WriteAllBytesAsync(file, [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, .. chunk, .. iend]);

        var run = await RunAsync("ComfyUI.Reactive.QuickStart", "--workflow", file);

        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Single(Directory.GetFiles(Path.Combine(run.WorkingDirectory, "output"), "*.png"));
    }

    private static byte[] BigEndian(int value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    [Fact]
    public async Task QuickStart_UnreachableServer_ExitsNonZeroNamingTheUrl()
    {
        var run = await RunAsync("ComfyUI.Reactive.QuickStart", environment: ("COMFYUI_URL", "http://127.0.0.1:9"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("127.0.0.1:9", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProgressPipeline_NoArguments_CompletesAllTenJobs()
    {
        var run = await RunAsync("ComfyUI.Reactive.ProgressPipeline");

        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Contains("10 of 10 jobs completed.", run.Output, StringComparison.Ordinal);
        Assert.Contains("overall [", run.Output, StringComparison.Ordinal);
        Assert.Equal("10 of 10 jobs completed.", run.Lines[^1]);
        Assert.EndsWith("100 %", run.Lines.Last(l => l.StartsWith("overall [", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImageEditing_NoArguments_UploadsTheBundledPictureAndSavesTheEditedOne()
    {
        var run = await RunAsync("ComfyUI.Reactive.ImageEditing");

        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Contains("running Load Image", run.Output, StringComparison.Ordinal);
        Assert.Contains("uploaded example.png", run.Output, StringComparison.Ordinal);
        var png = Path.Combine(run.WorkingDirectory, "output", "edited.png");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await File.ReadAllBytesAsync(png))[..4]);
        Assert.Equal($"saved {png}", run.Lines[^1]);
    }

    [Fact]
    public async Task ImageEditing_OwnPicture_UploadsThatFile()
    {
        var picture = Path.Combine(AppContext.BaseDirectory, "Jobs", "green-64x64.png");

        var run = await RunAsync("ComfyUI.Reactive.ImageEditing", "--image", picture);

        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Contains("uploaded green-64x64.png", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bypass_NoArguments_TheBypassedRunSkipsTheBlurNode()
    {
        var run = await RunAsync("ComfyUI.Reactive.Bypass");

        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.StartsWith("as exported: cached nothing; ran EmptyImage -> ImageScale -> ImageBlur -> ImageSharpen -> SaveImage; saved ", run.Lines[^2], StringComparison.Ordinal);
        Assert.StartsWith("blur bypassed: cached EmptyImage, ImageScale; ran ImageSharpen -> SaveImage; saved ", run.Lines[^1], StringComparison.Ordinal);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(run.WorkingDirectory, "output"), "*.png").Length);
    }

    [Fact]
    public async Task DependencyInjection_NoArguments_RendersThreeImagesAndStops()
    {
        var run = await RunAsync("ComfyUI.Reactive.DependencyInjection");

        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Equal(3, run.Output.Split("Rendered color").Length - 1);
    }

    [Fact]
    public async Task Pool_NoArguments_CompletesThirtyJobsWithAffinityAndFailover()
    {
        var run = await RunAsync("ComfyUI.Reactive.Pool");

        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Contains("30 of 30 jobs completed", run.Output, StringComparison.Ordinal);
        Assert.Contains("gpu-3: 0 txt2img, 10 filter", run.Output, StringComparison.Ordinal);   // no SD 1.5 checkpoint there
        Assert.Contains("gpu-1 killed", run.Output, StringComparison.Ordinal);
        Assert.Contains("gpu-1 restarted", run.Output, StringComparison.Ordinal);
        Assert.Contains("│ gpu-2", run.Output, StringComparison.Ordinal);                       // the table of servers
    }

    [Fact]
    public async Task Pool_ComfyUiUrls_UsesThoseServers()
    {
        await using var a = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.Zero });
        await using var b = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.Zero });

        var run = await RunAsync("ComfyUI.Reactive.Pool", ("COMFYUI_URLS", $"{a.BaseAddress},{b.BaseAddress}"));

        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Contains("30 of 30 jobs completed", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("embedded emulators", run.Output, StringComparison.Ordinal);
        Assert.Equal(30, a.TotalExecutions + b.TotalExecutions);
    }

    [Fact]
    public async Task Pool_MalformedComfyUiUrls_ExitsTwoNamingTheValue()
    {
        var run = await RunAsync("ComfyUI.Reactive.Pool", ("COMFYUI_URLS", "http://127.0.0.1:9,not-a-url"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("not-a-url", run.Output, StringComparison.Ordinal);
    }

    private sealed record SampleRun(int ExitCode, string Output, string WorkingDirectory)
    {
        public string Describe() => $"exit code {ExitCode}\n{Output}";

        public string[] Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static async Task<SampleRun> RunAsync(string sample, params string[] arguments) =>
        await RunAsync(sample, null, arguments);

    private static async Task<SampleRun> RunAsync(string sample, (string Name, string Value)? environment, params string[] arguments)
    {
        // The sample is built next to this test assembly's configuration: .../bin/<Configuration>/net10.0/.
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = testOutput.Parent!.Name;
        var root = FindRepoRoot();
        var dll = Path.Combine(root, "samples", sample, "bin", configuration, testOutput.Name, sample + ".dll");
        Assert.True(File.Exists(dll), $"{dll} was not built");

        var workingDirectory = Directory.CreateTempSubdirectory("comfyui-sample-").FullName;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("COMFYUI_URL");
        start.Environment.Remove("COMFYUI_URLS");
        start.Environment["NO_COLOR"] = "1";
        if (environment is { } variable)
        {
            start.Environment[variable.Name] = variable.Value;
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
            throw new TimeoutException($"{sample} did not finish within {Limit}:\n{await stdout}{await stderr}");
        }

        return new SampleRun(process.ExitCode, await stdout + await stderr, workingDirectory);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ComfyUI.Reactive.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ComfyUI.Reactive.sln not found");
    }
}
