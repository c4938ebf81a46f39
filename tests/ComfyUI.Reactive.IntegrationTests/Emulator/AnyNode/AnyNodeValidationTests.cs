using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator;

namespace ComfyUI.Reactive.IntegrationTests.Emulator.AnyNode;

/// <summary>Nodes beyond the recorded ones validate as 0.3.64's <c>validate_inputs</c> does, and an imported <c>object_info</c> replaces the node set.</summary>
public sealed class AnyNodeValidationTests
{
    [Fact]
    public async Task Validation_NodesOfTheSnapshot_FollowTheRealRules()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };

        // A legacy list combo is checked against its list…
        var flip = await RejectAsync(http, """
            {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
             "2": {"class_type": "ImageFlip", "inputs": {"image": ["1", 0], "flip_method": "diagonal"}},
             "3": {"class_type": "PreviewImage", "inputs": {"images": ["2", 0]}}}
            """);
        var error = flip["node_errors"]!["2"]!["errors"]![0]!;
        Assert.Equal("value_not_in_list", error["type"]!.GetValue<string>());
        Assert.Equal("flip_method: 'diagonal' not in ['x-axis: vertically', 'y-axis: horizontally']", error["details"]!.GetValue<string>());

        // …a V3 "COMBO" is not (0.3.64 only checks isinstance(input_type, list)), so any value runs…
        var text = await AcceptAsync(http, """
            {"1": {"class_type": "StringTrim", "inputs": {"string": "  x  ", "mode": "Sideways"}},
             "2": {"class_type": "PreviewAny", "inputs": {"source": ["1", 0]}}}
            """);
        Assert.Equal(200, text);

        // …and the loaders' own validate_inputs name the missing file.
        var video = await RejectAsync(http, """
            {"1": {"class_type": "LoadVideo", "inputs": {"file": "nope.mp4"}},
             "2": {"class_type": "SaveVideo", "inputs": {"video": ["1", 0], "filename_prefix": "v", "format": "auto", "codec": "auto"}}}
            """);
        Assert.Equal("file - Invalid video file: nope.mp4", video["node_errors"]!["1"]!["errors"]![0]!["details"]!.GetValue<string>());
        Assert.Equal("custom_validation_failed", video["node_errors"]!["1"]!["errors"]![0]!["type"]!.GetValue<string>());

        // Input-folder combos are listed live: a 3D model written into input/3d validates without an upload.
        var load3d = """
            {"1": {"class_type": "Load3D", "inputs": {"model_file": "3d/cube.glb", "image": "x", "width": 64, "height": 64}},
             "2": {"class_type": "PreviewAny", "inputs": {"source": ["1", 2]}}}
            """;
        Assert.Equal("model_file: '3d/cube.glb' not in []", (await RejectAsync(http, load3d))["node_errors"]!["1"]!["errors"]![0]!["details"]!.GetValue<string>());
        Directory.CreateDirectory(Path.Combine(emulator.DataDirectory, "input", "3d"));
        await File.WriteAllBytesAsync(Path.Combine(emulator.DataDirectory, "input", "3d", "cube.glb"), [0]);
        Assert.Equal(200, await AcceptAsync(http, load3d));
        Assert.Equal("""["3d/cube.glb"]""", (await Fixture.GetJsonAsync(http, "/object_info/Load3D"))["Load3D"]!["input"]!["required"]!["model_file"]![0]!.ToJsonString());
    }

    [Fact]
    public async Task ObjectInfoJson_ImportedServer_IsTheNodeSetAndItsNodesRun()
    {
        var imported = new JsonObject
        {
            ["MyUpscaler"] = Node(new JsonObject { ["image"] = new JsonArray("IMAGE"), ["scale"] = new JsonArray("INT", new JsonObject { ["default"] = 2, ["min"] = 1, ["max"] = 4 }) }, ["IMAGE"], output: false),
            ["MySaver"] = Node(new JsonObject { ["images"] = new JsonArray("IMAGE"), ["filename_prefix"] = new JsonArray("STRING", new JsonObject { ["default"] = "mine" }) }, [], output: true),
            ["CheckpointLoaderSimple"] = Node(new JsonObject { ["ckpt_name"] = new JsonArray(new JsonArray("mine.safetensors")) }, ["MODEL", "CLIP", "VAE"], output: false),
            ["EmptyImage"] = (await BuiltInAsync("EmptyImage")).DeepClone(),
        };
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { ObjectInfoJson = imported.ToJsonString() });
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };

        var info = (await Fixture.GetJsonAsync(http, "/object_info")).AsObject();
        Assert.Equal(["MyUpscaler", "MySaver", "CheckpointLoaderSimple", "EmptyImage"], info.Select(p => p.Key));
        Assert.Equal("""["v1-5-pruned-emaonly.safetensors","mine.safetensors"]""", await http.GetStringAsync("/models/checkpoints"));
        var prompt = """
            {"1": {"class_type": "EmptyImage", "inputs": {"width": 16, "height": 8, "batch_size": 1, "color": 255}},
             "2": {"class_type": "MyUpscaler", "inputs": {"image": ["1", 0], "scale": SCALE}},
             "3": {"class_type": "MySaver", "inputs": {"images": ["2", 0], "filename_prefix": "mine"}}}
            """;
        Assert.Equal("value_bigger_than_max", (await RejectAsync(http, prompt.Replace("SCALE", "9", StringComparison.Ordinal)))["node_errors"]!["2"]!["errors"]![0]!["type"]!.GetValue<string>());
        var unknown = await RejectAsync(http, """{"1": {"class_type": "SaveImage", "inputs": {}}}""");
        Assert.Equal("invalid_prompt", unknown["error"]!["type"]!.GetValue<string>());

        await using var client = await RawClient.ConnectAsync(emulator.BaseAddress, "imported", featureFlags: false);
        var id = await Fixture.SubmitAsync(http, JsonNode.Parse(prompt.Replace("SCALE", "2", StringComparison.Ordinal))!.AsObject(), "imported");
        var executed = await client.WaitForAsync(f => f.Label == "executed(3)");
        var file = executed.Data!["output"]!["images"]![0]!;
        Assert.Equal("mine_00001_.png", file["filename"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(emulator.DataDirectory, "output", "mine_00001_.png")));
        await client.WaitForDoneAsync(id);
        Assert.Equal("success", (await Fixture.GetJsonAsync(http, "/history/" + id))[id]!["status"]!["status_str"]!.GetValue<string>());
    }

    [Fact]
    public async Task ObjectInfoJson_NotAnObjectInfo_StartFailsNamingTheProblem()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => ComfyEmulator.StartAsync(new ComfyEmulatorOptions { ObjectInfoJson = """{"Broken": {"input": {}}}""" }));
        Assert.Contains("'Broken'", ex.Message, StringComparison.Ordinal);
    }

    private static JsonObject Node(JsonObject required, string[] outputs, bool output) => new()
    {
        ["input"] = new JsonObject { ["required"] = required },
        ["output"] = new JsonArray(outputs.Select(o => (JsonNode?)o).ToArray()),
        ["output_node"] = output,
    };

    private static async Task<JsonNode> BuiltInAsync(string classType)
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        return (await Fixture.GetJsonAsync(http, "/object_info/" + classType))[classType]!;
    }

    private static async Task<JsonNode> RejectAsync(HttpClient http, string prompt)
    {
        var (status, body) = await Fixture.PostJsonAsync(http, "/prompt", new JsonObject { ["prompt"] = JsonNode.Parse(prompt) }.ToJsonString());
        Assert.True(status == 400, body);
        return JsonNode.Parse(body)!;
    }

    private static async Task<int> AcceptAsync(HttpClient http, string prompt)
    {
        var (status, body) = await Fixture.PostJsonAsync(http, "/prompt", new JsonObject { ["prompt"] = JsonNode.Parse(prompt) }.ToJsonString());
        Assert.True(status == 200 && JsonNode.Parse(body)!["node_errors"]!.AsObject().Count == 0, body);
        return status;
    }
}
