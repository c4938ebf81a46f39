using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator;

namespace ComfyUI.Reactive.IntegrationTests.Emulator.AnyNode;

/// <summary>Every node of the real 0.3.64 <c>object_info</c> validates and runs in the emulator.</summary>
public sealed class EveryNodeTests
{
    [Fact]
    public async Task EveryNode_OneNodePlusInputsWorkflow_ValidatesAndRuns()
    {
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions
        {
            SamplerStepTime = TimeSpan.Zero,
            SamplerPreviews = false,
            Models = EmulatedModels(),
        });
        SeedInputFiles(emulator.DataDirectory);
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        var info = (await Fixture.GetJsonAsync(http, "/object_info")).AsObject();
        Assert.Equal(384, info.Count);
        var workflows = new OneNodeWorkflows(info);
        await using var client = await RawClient.ConnectAsync(emulator.BaseAddress, "every-node", featureFlags: false);
        await client.WaitForAsync(f => f.Type == "status");

        var submitted = new Dictionary<string, string>(StringComparer.Ordinal);
        var rejected = new List<string>();
        foreach (var (classType, _) in info)
        {
            var prompt = workflows.For(classType);
            if (classType == "SdkTestSlowProgress")
            {
                prompt["1"]!["inputs"]!["step_seconds"] = 0;   // its default is 8 × 0.25 s; the test stays fast
            }

            var body = new JsonObject { ["prompt"] = prompt, ["client_id"] = "every-node" };
            var (status, answer) = await Fixture.PostJsonAsync(http, "/prompt", body.ToJsonString());
            var parsed = JsonNode.Parse(answer)!;
            if (status != 200 || parsed["node_errors"]!.AsObject().Count > 0)
            {
                rejected.Add($"{classType}: {answer}");
                continue;
            }

            submitted[parsed["prompt_id"]!.GetValue<string>()] = classType;
        }

        Assert.True(rejected.Count == 0, string.Join("\n", rejected));
        var pending = submitted.Keys.ToHashSet(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            var done = await client.WaitForAsync(f => f.Text is not null && f.Type == "executing" && f.Data!["node"] is null);
            pending.Remove(done.Data!["prompt_id"]!.GetValue<string>());
        }

        var history = (await Fixture.GetJsonAsync(http, "/history")).AsObject();
        var failed = submitted
            .Where(p => history[p.Key]!["status"]!["status_str"]!.GetValue<string>() != "success")
            .Select(p => $"{p.Value}: {history[p.Key]!["status"]!["messages"]!.ToJsonString()}")
            .ToList();
        Assert.True(failed.Count == 0, string.Join("\n", failed));

        // Output nodes report real files, as the real ones do (only the model savers report nothing).
        string[] silent = ["CheckpointSave", "CLIPSave", "VAESave", "ModelSave", "ImageOnlyCheckpointSave", "LoraSave", "SaveLoRANode", "SaveImageWebsocket"];
        foreach (var (promptId, classType) in submitted.Where(p => info[p.Value]!["output_node"]!.GetValue<bool>() && !silent.Contains(p.Value)))
        {
            var ui = history[promptId]!["outputs"]!["1"]?.AsObject();
            Assert.True(ui is not null, $"{classType} reported no output");
            foreach (var file in ui.SelectMany(p => p.Value as JsonArray ?? []).OfType<JsonObject>().Where(f => f["filename"] is not null))
            {
                var path = Path.Combine(emulator.DataDirectory, file["type"]!.GetValue<string>(), file["subfolder"]!.GetValue<string>(), file["filename"]!.GetValue<string>());
                Assert.True(File.Exists(path), $"{classType}: {path} missing");
            }
        }

        // Samplers without a specific implementation still report one progress tick per step.
        var advanced = submitted.Single(p => p.Value == "KSamplerAdvanced").Key;
        var ticks = client.Seen.Where(f => f.Text is not null && f.Type == "progress" && f.Data!["prompt_id"]!.GetValue<string>() == advanced && f.Data["node"]!.GetValue<string>() == "1").ToList();
        Assert.Equal(20, ticks.Count);
        Assert.Equal(20, ticks[^1].Data!["max"]!.GetValue<int>());
    }

    /// <summary>One file in every model folder, so every loader's combo has a value to pick.</summary>
    internal static Dictionary<string, IReadOnlyList<string>> EmulatedModels() =>
        new[] { "configs", "loras", "vae", "text_encoders", "diffusion_models", "clip_vision", "style_models", "embeddings", "diffusers", "vae_approx", "controlnet", "gligen", "upscale_models", "hypernetworks", "photomaker", "classifiers", "model_patches", "audio_encoders" }
            .ToDictionary(f => f, f => (IReadOnlyList<string>)[$"emulated-{f}.safetensors"]);

    /// <summary>The files the loaders look for: an image (input and output), a latent, audio, video, a 3D model and a dataset folder.</summary>
    internal static void SeedInputFiles(string root)
    {
        var png = Path.Combine(AppContext.BaseDirectory, "Jobs", "green-64x64.png");
        var input = Path.Combine(root, "input");
        File.Copy(png, Path.Combine(input, OneNodeWorkflows.InputFile));
        File.Copy(png, Path.Combine(root, "output", OneNodeWorkflows.InputFile));
        File.WriteAllBytes(Path.Combine(input, "seed.latent"), [0]);
        File.WriteAllBytes(Path.Combine(input, "clip.wav"), [0]);
        File.WriteAllBytes(Path.Combine(input, "clip.mp4"), [0]);
        Directory.CreateDirectory(Path.Combine(input, "3d"));
        File.WriteAllBytes(Path.Combine(input, "3d", "model.glb"), [0]);
        Directory.CreateDirectory(Path.Combine(input, "dataset"));
        File.Copy(png, Path.Combine(input, "dataset", OneNodeWorkflows.InputFile));
    }
}
