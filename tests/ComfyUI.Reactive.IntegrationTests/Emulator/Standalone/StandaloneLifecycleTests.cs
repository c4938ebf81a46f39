using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator.Standalone;

namespace ComfyUI.Reactive.IntegrationTests.Emulator.Standalone;

/// <summary>The standalone emulator as a process: signals stop it like a real ComfyUI, and its command line shapes the server.</summary>
public sealed class StandaloneLifecycleTests
{
    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task Signal_WhilePromptRuns_ExitsZeroWithinASecondAndDropsTheSocket(string signal)
    {
        await using var emulator = await EmulatorProcess.StartAsync("--port", "0");
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        await using var client = await RawClient.ConnectAsync(emulator.BaseAddress, "signal", featureFlags: false);
        var slow = JsonNode.Parse("""
            {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
             "2": {"class_type": "SdkTestSlowProgress", "inputs": {"image": ["1", 0], "steps": 100, "step_seconds": 1}},
             "3": {"class_type": "PreviewImage", "inputs": {"images": ["2", 0]}}}
            """)!.AsObject();
        await Fixture.SubmitAsync(http, slow, "signal");
        await client.WaitForAsync(f => f.Label == "executing(2)");

        await emulator.SignalAsync(signal);
        var clock = Stopwatch.StartNew();
        var exitCode = await emulator.WaitForExitAsync(TimeSpan.FromSeconds(10));
        clock.Stop();

        Assert.Equal(0, exitCode);
        // A second on an idle machine; the bound leaves room for a loaded 2-core CI box, and an emulator that ignores
        // the signal (the bug) never exits at all.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}\n{emulator.Output}");
        await client.WaitForDisconnectAsync();
        Assert.Contains($"SIG{signal}: stopping.", emulator.Output, StringComparison.Ordinal);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/prompt"));
    }

    [Fact]
    public async Task NoCheckpointsAndModels_FromTheCommandLine_ShapeModelsAndValidation()
    {
        await using var emulator = await EmulatorProcess.StartAsync("--port", "0", "--no-checkpoints", "--model", "loras=detail.safetensors", "--model", "vae=ft-mse.safetensors");
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };

        Assert.Equal("[]", await http.GetStringAsync("/models/checkpoints"));
        Assert.Equal("""["detail.safetensors"]""", await http.GetStringAsync("/models/loras"));
        var info = (await http.GetFromJsonAsync<JsonNode>("/object_info/VAELoader"))!;
        Assert.Equal("""["ft-mse.safetensors","pixel_space"]""", info["VAELoader"]!["input"]!["required"]!["vae_name"]![0]!.ToJsonString());
        var workflow = Fixture.Workflow("txt2img_sd15");
        var (status, body) = await Fixture.PostJsonAsync(http, "/prompt", new JsonObject { ["prompt"] = workflow }.ToJsonString());
        Assert.Equal(400, status);
        Assert.Contains("value_not_in_list", body, StringComparison.Ordinal);
        Assert.Contains("ckpt_name: 'v1-5-pruned-emaonly.safetensors' not in []", body, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CheckpointFlags_NoneDefaultOrListed()
    {
        Assert.Empty(StandaloneArguments.Parse(["--no-checkpoints"], out _)!.Checkpoints);
        Assert.Equal(["v1-5-pruned-emaonly.safetensors"], StandaloneArguments.Parse([], out _)!.Checkpoints);
        Assert.Equal(["a.safetensors", "b.safetensors"], StandaloneArguments.Parse(["--checkpoint", "a.safetensors", "--checkpoint", "b.safetensors"], out _)!.Checkpoints);
        Assert.Null(StandaloneArguments.Parse(["--no-checkpoints", "--checkpoint", "a.safetensors"], out var error));
        Assert.Contains("contradict", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Models_GroupsByFolderAndRejectsUnknownFolders()
    {
        var options = StandaloneArguments.Parse(["--model", "loras=a.safetensors", "--model", "loras=b.safetensors", "--model", "upscale_models=x4.pth", "--admin"], out _)!;
        Assert.Equal(["a.safetensors", "b.safetensors"], options.Models["loras"]);
        Assert.Equal(["x4.pth"], options.Models["upscale_models"]);
        Assert.True(options.AdminRoutes);

        Assert.Null(StandaloneArguments.Parse(["--model", "lora=a.safetensors"], out var error));
        Assert.Contains("'lora' is not a model folder", error, StringComparison.Ordinal);
        Assert.Null(StandaloneArguments.Parse(["--model", "loras"], out error));
        Assert.Contains("KEY=VALUE", error, StringComparison.Ordinal);
    }
}
