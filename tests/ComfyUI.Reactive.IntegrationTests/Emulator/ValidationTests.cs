using System.Text;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator;

namespace ComfyUI.Reactive.IntegrationTests.Emulator;

/// <summary>Every invalid request of transcripts §6 gets the recorded status and body, and no websocket traffic.</summary>
public sealed class ValidationTests
{
    public static TheoryData<string> Cases() => new(Fixture.Invalid().Select(p => p.Key));

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task PostPrompt_RecordedInvalidRequest_ReturnsRecordedBody(string name)
    {
        var expected = Fixture.Invalid()[name]!;
        await using var emulator = await ComfyEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        await using var watcher = await RawClient.ConnectAsync(emulator.BaseAddress, "sdk-invalid", featureFlags: false);
        await watcher.WaitForAsync(f => f.Type == "status");

        using var response = await http.PostAsync("/prompt", new StringContent(expected["request"]!.GetValue<string>(), Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(expected["status"]!.GetValue<int>(), (int)response.StatusCode);
        if (expected["response"] is JsonObject recorded)
        {
            Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
            Assert.Equal(Normalize(recorded), Normalize(JsonNode.Parse(body)!.AsObject()));
        }
        else
        {
            Assert.Equal("500 Internal Server Error\n\nServer got itself in trouble", body);
            Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        }

        // Nothing was queued: the next frame the watcher gets is the status of a probe prompt, not of the rejected one.
        var probe = await Fixture.SubmitAsync(http, Fixture.Workflow("text_preview_any"), null);
        var next = await watcher.NextAsync();
        Assert.Equal(1, next.Data!["status"]!["exec_info"]!["queue_remaining"]!.GetValue<int>());
        Assert.NotEmpty(probe);
    }

    /// <summary>
    /// Tracebacks name the emulator's files, and the order of several errors on one node follows the real server's
    /// Python set iteration (it varies between real server processes), so both are normalised.
    /// </summary>
    private static string Normalize(JsonObject body)
    {
        foreach (var (_, nodeError) in body["node_errors"]!.AsObject())
        {
            var errors = nodeError!["errors"]!.AsArray();
            foreach (var e in errors)
            {
                if (e!["extra_info"] is JsonObject info && info.ContainsKey("traceback"))
                {
                    info["traceback"] = "<traceback>";
                }
            }

            var sorted = errors.Select(e => e!.DeepClone()).OrderBy(e => e["extra_info"]?["input_name"]?.GetValue<string>(), StringComparer.Ordinal).ToArray();
            nodeError["errors"] = new JsonArray(sorted);
        }

        return body.ToJsonString();
    }

    [Fact]
    public async Task PostPrompt_UnknownClassWithModernErrors_ReturnsMissingNodeType()
    {
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { LegacyUnknownNodeError = false });
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        var (status, body) = await Fixture.PostJsonAsync(http, "/prompt", """{"prompt": {"1": {"class_type": "NoSuchNode", "inputs": {}}}}""");
        Assert.Equal(400, status);
        var error = JsonNode.Parse(body)!["error"]!;
        Assert.Equal("missing_node_type", error["type"]!.GetValue<string>());
        Assert.Equal("NoSuchNode", error["extra_info"]!["class_type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("8248C8F1-47AF-4B62-B274-5F540F8929E9")]
    [InlineData("{8248c8f1-47af-4b62-b274-5f540f8929e9}")]
    [InlineData("42")]
    public async Task PostPrompt_NonCanonicalPromptId_ReturnsInvalidPromptId(string promptId)
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        var idJson = promptId == "42" ? "42" : $"\"{promptId}\"";
        var (status, body) = await Fixture.PostJsonAsync(http, "/prompt", $$"""{"prompt": {}, "prompt_id": {{idJson}}}""");
        Assert.Equal(400, status);
        Assert.Equal("invalid_prompt_id", JsonNode.Parse(body)!["error"]!["type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("8248c8f1-47af-4b62-b274-5f540f8929e9")]
    [InlineData("not-a-uuid")]
    public async Task PostPrompt_IgnoreClientPromptId_ServerGeneratesTheIdAndItsEventsUseIt(string chosen)
    {
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { IgnoreClientPromptId = true });
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        await using var client = await RawClient.ConnectAsync(emulator.BaseAddress, "old-server", featureFlags: false);
        await client.WaitForAsync(f => f.Type == "status");

        var id = await Fixture.SubmitAsync(http, Fixture.Workflow("text_preview_any"), "old-server", body => body["prompt_id"] = chosen);
        await client.WaitForDoneAsync(id);

        Assert.NotEqual(chosen, id);
        Assert.True(PromptRoutesIsCanonical(id), id);
        Assert.Equal(id, client.Seen.Single(f => f.Type == "execution_start").Data!["prompt_id"]!.GetValue<string>());
        Assert.Equal(1, emulator.GetExecutionCount(id));
        Assert.Equal(0, emulator.GetExecutionCount(chosen));
        Assert.NotNull((await Fixture.GetJsonAsync(http, $"/history/{id}"))[id]);

        static bool PromptRoutesIsCanonical(string s) => Guid.TryParse(s, out var g) && g.ToString() == s;
    }

    [Fact]
    public async Task PostPrompt_CheckpointNotInOptions_ReturnsValueNotInList()
    {
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { Checkpoints = ["a.safetensors"] });
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        var (status, body) = await Fixture.PostJsonAsync(http, "/prompt", new JsonObject { ["prompt"] = Fixture.Workflow("txt2img_sd15") }.ToJsonString());
        Assert.Equal(400, status);
        var error = JsonNode.Parse(body)!["node_errors"]!["4"]!["errors"]![0]!;
        Assert.Equal("value_not_in_list", error["type"]!.GetValue<string>());
        Assert.Equal("ckpt_name: 'v1-5-pruned-emaonly.safetensors' not in ['a.safetensors']", error["details"]!.GetValue<string>());
    }

    [Fact]
    public async Task PostPrompt_PartialFailure_QueuesValidOutputWithNodeErrors()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        var prompt = JsonNode.Parse("""
            {"1": {"class_type": "StringConcatenate", "inputs": {"string_a": "a", "string_b": "b", "delimiter": ""}},
             "2": {"class_type": "PreviewAny", "inputs": {"source": ["1", 0]}},
             "3": {"class_type": "EmptyImage", "inputs": {"width": 0, "height": 8, "batch_size": 1, "color": 0}},
             "4": {"class_type": "PreviewImage", "inputs": {"images": ["3", 0]}}}
            """)!;
        var (status, body) = await Fixture.PostJsonAsync(http, "/prompt", new JsonObject { ["prompt"] = prompt }.ToJsonString());
        Assert.Equal(200, status);
        var response = JsonNode.Parse(body)!;
        Assert.Equal(["4"], response["node_errors"]!["3"]!["dependent_outputs"]!.AsArray().Select(n => n!.GetValue<string>()));
        var queue = await Fixture.GetJsonAsync(http, "/history/" + response["prompt_id"]!.GetValue<string>());
        _ = queue;
    }

    [Fact]
    public async Task ExcludedNodes_ClassTypeHidden_AbsentFromObjectInfoAndRejectedAsUnknown()
    {
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { ExcludedNodes = ["ImageBlur"], LegacyUnknownNodeError = false });
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };

        var info = await Fixture.GetJsonAsync(http, "/object_info");
        var one = await Fixture.GetJsonAsync(http, "/object_info/ImageBlur");
        const string prompt = """
            {"prompt": {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
                        "2": {"class_type": "ImageBlur", "inputs": {"image": ["1", 0], "blur_radius": 1, "sigma": 1.0}},
                        "3": {"class_type": "PreviewImage", "inputs": {"images": ["2", 0]}}}}
            """;
        var (status, body) = await Fixture.PostJsonAsync(http, "/prompt", prompt);

        Assert.Null(info!["ImageBlur"]);
        Assert.NotNull(info["ImageInvert"]);
        Assert.Empty(one!.AsObject());
        Assert.Equal(400, status);
        Assert.Equal("ImageBlur", JsonNode.Parse(body)!["error"]!["extra_info"]!["class_type"]!.GetValue<string>());
    }
}
