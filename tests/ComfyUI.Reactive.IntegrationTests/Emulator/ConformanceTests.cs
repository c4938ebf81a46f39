using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator;
using SkiaSharp;

namespace ComfyUI.Reactive.IntegrationTests.Emulator;

/// <summary>
/// Each scenario recorded from a real ComfyUI 0.3.64 (protocol/real-transcripts.md) runs on the emulator over raw
/// sockets, and the received message sequence must equal the recorded "Type sequence" line.
/// </summary>
public sealed class ConformanceTests
{
    private static readonly Dictionary<string, TimeSpan> SlowBlur = new() { ["ImageBlur"] = TimeSpan.FromMilliseconds(250) };

    private static async Task<(ComfyEmulator Emulator, HttpClient Http)> StartAsync(ComfyEmulatorOptions? options = null)
    {
        var emulator = await ComfyEmulator.StartAsync(options);
        return (emulator, new HttpClient { BaseAddress = emulator.BaseAddress });
    }

    [Fact]
    public async Task BasicRun_ClientAndObserver_MatchRecordedSequences()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        await using var a = await RawClient.ConnectAsync(emulator.BaseAddress, "sdk-client-a", featureFlags: true);
        await using var b = await RawClient.ConnectAsync(emulator.BaseAddress, "sdk-observer-b", featureFlags: false);
        await a.WaitForAsync(f => f.Type == "feature_flags");
        await b.WaitForAsync(f => f.Type == "status");

        var id = await Fixture.SubmitAsync(http, Fixture.Workflow("basic_empty_invert_save"), "sdk-client-a");
        await a.WaitForDoneAsync(id);
        await b.WaitForAsync(f => f.Type == "status" && f.Data!["status"]!["exec_info"]!["queue_remaining"]!.GetValue<int>() == 0 && b.Seen.Count >= 4);

        Assert.Equal(Fixture.ExpectedSequence("basic_client"), a.Sequence);
        Assert.Equal(Fixture.ExpectedSequence("basic_observer"), b.Sequence);
        var executed = a.Seen.Where(f => f.Label == "executed(3)").Single().Data!["output"]!["images"]![0]!;
        Assert.Equal("sdk_basic_00001_.png", executed["filename"]!.GetValue<string>());

        var history = await Fixture.GetJsonAsync(http, "/history/" + id);
        var entry = history[id]!;
        Assert.Equal("success", entry["status"]!["status_str"]!.GetValue<string>());
        Assert.Equal(["execution_start", "execution_cached", "execution_success"], entry["status"]!["messages"]!.AsArray().Select(m => m![0]!.GetValue<string>()));
        Assert.Equal(id, entry["prompt"]![1]!.GetValue<string>());
        Assert.Equal("sdk-client-a", entry["prompt"]![3]!["client_id"]!.GetValue<string>());
        Assert.Equal(["3", "4"], entry["outputs"]!.AsObject().Select(p => p.Key).Order());
        Assert.Equal("3", entry["meta"]!["3"]!["real_node_id"]!.GetValue<string>());

        using var png = await http.GetAsync("/view?filename=sdk_basic_00001_.png&subfolder=&type=output");
        Assert.Equal("image/png", png.Content.Headers.ContentType!.MediaType);
        using var bitmap = SKBitmap.Decode(await png.Content.ReadAsByteArrayAsync());
        Assert.Equal((256, 192), (bitmap.Width, bitmap.Height));
        var pixel = bitmap.GetPixel(10, 10);
        Assert.Equal((0, 0x7F, 0xFF), (pixel.Red, pixel.Green, pixel.Blue)); // inverted 0xFF8000
    }

    [Fact]
    public async Task Resubmission_FullyThenPartiallyCached_MatchRecordedSequences()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        var workflow = Fixture.Workflow("basic_empty_invert_save");
        await using (var first = await RawClient.ConnectAsync(emulator.BaseAddress, "client-a", featureFlags: true))
        {
            await first.WaitForDoneAsync(await Fixture.SubmitAsync(http, workflow, "client-a"));
        }

        await using (var second = await RawClient.ConnectAsync(emulator.BaseAddress, "client-a", featureFlags: true))
        {
            await second.WaitForAsync(f => f.Type == "feature_flags");
            await second.WaitForDoneAsync(await Fixture.SubmitAsync(http, workflow, "client-a"));
            Assert.Equal(Fixture.ExpectedSequence("fully_cached"), second.Sequence);
            Assert.Equal(["1", "2", "3", "4"], second.Seen.Single(f => f.Label == "execution_cached").Data!["nodes"]!.AsArray().Select(n => n!.GetValue<string>()));
            Assert.Equal("sdk_basic_00001_.png", second.Seen.Single(f => f.Label == "executed(3)").Data!["output"]!["images"]![0]!["filename"]!.GetValue<string>());
        }

        workflow["3"]!["inputs"]!["filename_prefix"] = "sdk_basic_changed";
        var chosen = Guid.NewGuid().ToString();
        await using var third = await RawClient.ConnectAsync(emulator.BaseAddress, "client-a", featureFlags: true);
        await third.WaitForAsync(f => f.Type == "feature_flags");
        var id = await Fixture.SubmitAsync(http, workflow, "client-a", body => body["prompt_id"] = chosen);
        Assert.Equal(chosen, id);
        await third.WaitForDoneAsync(id);
        Assert.Equal(Fixture.ExpectedSequence("partially_cached"), third.Sequence);
        Assert.Equal("sdk_basic_changed_00001_.png", third.Seen.Single(f => f.Label == "executed(3)").Data!["output"]!["images"]![0]!["filename"]!.GetValue<string>());
    }

    [Fact]
    public async Task Pipeline_WithoutFeatureFlags_MatchesRecordedOrderAndWritesScaledBatch()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "sdk-pipeline", featureFlags: false);
        await c.WaitForAsync(f => f.Type == "status");
        var id = await Fixture.SubmitAsync(http, Fixture.Workflow("scale_blur_sharpen_mask"), "sdk-pipeline");
        await c.WaitForDoneAsync(id);
        Assert.Equal(Fixture.ExpectedSequence("pipeline"), c.Sequence);
        var images = c.Seen.Single(f => f.Label == "executed(5)").Data!["output"]!["images"]!.AsArray();
        Assert.Equal(["scaled_00001_.png", "scaled_00002_.png"], images.Select(i => i!["filename"]!.GetValue<string>()));
        Assert.All(images, i => Assert.Equal("sdk_pipeline", i!["subfolder"]!.GetValue<string>()));
        using var bitmap = SKBitmap.Decode(await http.GetByteArrayAsync("/view?filename=scaled_00002_.png&subfolder=sdk_pipeline&type=output"));
        Assert.Equal((320, 240), (bitmap.Width, bitmap.Height));
    }

    [Fact]
    public async Task LoadImage_AfterUpload_MatchesRecordedSequence()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        using var content = new MultipartFormDataContent { { new ByteArrayContent(RoutesTests.UploadPng(128)), "image", "sdk_upload_test.png" } };
        (await http.PostAsync("/upload/image", content)).EnsureSuccessStatusCode();
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "sdk-upload", featureFlags: true);
        await c.WaitForAsync(f => f.Type == "feature_flags");
        var id = await Fixture.SubmitAsync(http, Fixture.Workflow("load_image_invert_save"), "sdk-upload");
        await c.WaitForDoneAsync(id);

        // The real server takes its output nodes from a Python set, whose order is random per process: the recording
        // ran the 4 -> 5 branch before 2 -> 3. The emulator takes outputs in prompt order, so the two branches swap.
        var recorded = Fixture.ExpectedSequence("load_image");
        var branch45 = "executing(4) -> progress_state -> progress_state -> executing(5) -> executed(5) -> progress_state -> progress_state -> ";
        var branch23 = "executing(2) -> progress_state -> progress_state -> executing(3) -> executed(3) -> progress_state -> ";
        Assert.Contains(branch45 + branch23, recorded, StringComparison.Ordinal);
        var swapped = recorded.Replace(branch45 + branch23, "executing(2) -> progress_state -> progress_state -> executing(3) -> executed(3) -> progress_state -> progress_state -> executing(4) -> progress_state -> progress_state -> executing(5) -> executed(5) -> progress_state -> ", StringComparison.Ordinal);
        Assert.Equal(swapped, c.Sequence);
    }

    [Fact]
    public async Task RuntimeError_ImageBatchOfRgbaAndRgb_MatchesRecordedSequenceAndError()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "sdk-rterr", featureFlags: false);
        await c.WaitForAsync(f => f.Type == "status");
        var id = await Fixture.SubmitAsync(http, Fixture.Workflow("runtime_error_channel_mismatch"), "sdk-rterr");
        await c.WaitForDoneAsync(id);
        Assert.Equal(Fixture.ExpectedSequence("runtime_error"), c.Sequence);
        var error = c.Seen.Single(f => f.Label == "execution_error").Data!;
        Assert.Equal("4", error["node_id"]!.GetValue<string>());
        Assert.Equal("ImageBatch", error["node_type"]!.GetValue<string>());
        Assert.Equal(["3", "2", "1"], error["executed"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("Sizes of tensors must match except in dimension 0. Expected size 4 but got size 3 for tensor number 1 in the list.\n", error["exception_message"]!.GetValue<string>());
        Assert.Equal("RuntimeError", error["exception_type"]!.GetValue<string>());
        Assert.Equal(["image1", "image2"], error["current_inputs"]!.AsObject().Select(p => p.Key));
        var history = (await Fixture.GetJsonAsync(http, "/history/" + id))[id]!;
        Assert.Equal("error", history["status"]!["status_str"]!.GetValue<string>());
        Assert.False(history["status"]!["completed"]!.GetValue<bool>());
        Assert.Equal("execution_error", history["status"]!["messages"]![2]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task PreviewAny_Text_MatchesRecordedSequenceAndOutput()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "sdk-text", featureFlags: false);
        await c.WaitForAsync(f => f.Type == "status");
        var id = await Fixture.SubmitAsync(http, Fixture.Workflow("text_preview_any"), "sdk-text");
        await c.WaitForDoneAsync(id);
        Assert.Equal(Fixture.ExpectedSequence("text_preview_any"), c.Sequence);
        Assert.Equal("""{"text":["Hello, ComfyUI"]}""", c.Seen.Single(f => f.Label == "executed(2)").Data!["output"]!.ToJsonString());
    }

    [Fact]
    public async Task SaveImageWebsocket_Type1ThenType4_MatchRecordedSequencesAndFrames()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        var workflow = Fixture.Workflow("websocket_images");
        await using (var legacy = await RawClient.ConnectAsync(emulator.BaseAddress, "sdk-wsimg-1", featureFlags: false))
        {
            await legacy.WaitForAsync(f => f.Type == "status");
            await legacy.WaitForDoneAsync(await Fixture.SubmitAsync(http, workflow, "sdk-wsimg-1"));
            Assert.Equal(Fixture.ExpectedSequence("websocket_images_type1"), legacy.Sequence);
            var frame = legacy.Seen.First(f => f.Binary is not null).Binary!;
            Assert.Equal(new byte[] { 0, 0, 0, 1, 0, 0, 0, 2, 0x89, 0x50, 0x4E, 0x47 }, frame[..12]);
        }

        await using var modern = await RawClient.ConnectAsync(emulator.BaseAddress, "sdk-wsimg-2", featureFlags: true);
        await modern.WaitForAsync(f => f.Type == "feature_flags");
        var id = await Fixture.SubmitAsync(http, workflow, "sdk-wsimg-2");
        await modern.WaitForDoneAsync(id);
        Assert.Equal(Fixture.ExpectedSequence("websocket_images_type4"), modern.Sequence);
        var t4 = modern.Seen.First(f => f.Binary is not null).Binary!;
        var metaLength = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(t4.AsSpan(4));
        var meta = JsonNode.Parse(t4.AsSpan(8, metaLength))!;
        Assert.Equal(id, meta["prompt_id"]!.GetValue<string>());
        Assert.Equal("2", meta["node_id"]!.GetValue<string>());
        Assert.Equal("image/png", meta["image_type"]!.GetValue<string>());
        using var bitmap = SKBitmap.Decode(t4.AsSpan(8 + metaLength).ToArray());
        Assert.Equal((64, 64), (bitmap.Width, bitmap.Height));
        var history = (await Fixture.GetJsonAsync(http, "/history/" + id))[id]!;
        Assert.Empty(history["outputs"]!.AsObject());
    }

    [Fact]
    public async Task GlobalInterrupt_BetweenNodes_MatchesRecordedSequence()
    {
        var (emulator, http) = await StartAsync(new ComfyEmulatorOptions { NodeDelays = SlowBlur });
        await using var _ = emulator;
        using var __ = http;
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "sdk-interrupt", featureFlags: true);
        await c.WaitForAsync(f => f.Type == "feature_flags");
        var id = await Fixture.SubmitAsync(http, Fixture.Workflow("slow_blur_chain"), "sdk-interrupt");
        await c.WaitForAsync(f => f.Label == "executing(3)");
        Assert.Equal(200, (await Fixture.PostJsonAsync(http, "/interrupt", "")).Status);
        await c.WaitForDoneAsync(id);
        Assert.Equal(Fixture.ExpectedSequence("interrupt_global"), c.Sequence);
        var interrupted = c.Seen.Single(f => f.Label == "execution_interrupted").Data!;
        Assert.Equal("4", interrupted["node_id"]!.GetValue<string>());
        Assert.Equal(["3", "2", "1"], interrupted["executed"]!.AsArray().Select(n => n!.GetValue<string>()));
        var history = (await Fixture.GetJsonAsync(http, "/history/" + id))[id]!;
        Assert.Equal("error", history["status"]!["status_str"]!.GetValue<string>());
    }

    [Fact]
    public async Task TargetedInterrupt_RunningPrompt_StopsItAndNextPromptRuns()
    {
        var delays = new Dictionary<string, TimeSpan>(SlowBlur) { ["EmptyImage"] = TimeSpan.FromMilliseconds(200) };
        var (emulator, http) = await StartAsync(new ComfyEmulatorOptions { NodeDelays = delays });
        await using var _ = emulator;
        using var __ = http;
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "sdk-interrupt2", featureFlags: false);
        await c.WaitForAsync(f => f.Type == "status");
        var slow = Fixture.Workflow("slow_blur_chain");
        slow["1"]!["inputs"]!["color"] = 1234567;
        var first = await Fixture.SubmitAsync(http, slow, "sdk-interrupt2");
        await c.WaitForAsync(f => f.Label == "executing(1)");
        var second = await Fixture.SubmitAsync(http, Fixture.Workflow("text_preview_any"), "sdk-interrupt2");
        await c.WaitForAsync(f => f.Label == "executing(2)");
        await Fixture.PostJsonAsync(http, "/interrupt", $$"""{"prompt_id": "{{Guid.NewGuid()}}"}""");
        await Fixture.PostJsonAsync(http, "/interrupt", $$"""{"prompt_id": "{{first}}"}""");
        await c.WaitForDoneAsync(first);
        await c.WaitForDoneAsync(second);
        Assert.Equal(Fixture.ExpectedSequence("interrupt_targeted"), c.Sequence);
    }

    [Fact]
    public async Task Reconnect_SameClientIdMidRun_ReplaysExecutingWithoutPromptId()
    {
        var (emulator, http) = await StartAsync(new ComfyEmulatorOptions { NodeDelays = SlowBlur });
        await using var _ = emulator;
        using var __ = http;
        var first = await RawClient.ConnectAsync(emulator.BaseAddress, "sdk-reconnect", featureFlags: false);
        await first.WaitForAsync(f => f.Type == "status");
        var id = await Fixture.SubmitAsync(http, Fixture.Workflow("slow_blur_chain"), "sdk-reconnect");
        await first.WaitForAsync(f => f.Label == "executing(2)");
        await first.DisposeAsync();
        Assert.Equal(Fixture.ExpectedSequence("reconnect_first"), first.Sequence);

        await using var second = await RawClient.ConnectAsync(emulator.BaseAddress, "sdk-reconnect", featureFlags: false);
        await second.WaitForDoneAsync(id);
        Assert.Equal(Fixture.ExpectedSequence("reconnect_second"), second.Sequence);
        Assert.Equal("""{"node":"2"}""", second.Seen[1].Data!.ToJsonString());
        Assert.Equal(1, second.Seen[0].Data!["status"]!["exec_info"]!["queue_remaining"]!.GetValue<int>());
    }

    [Fact]
    public async Task QueueManagement_FrontDeleteClearInterrupt_MatchesRecordedSequence()
    {
        var delays = new Dictionary<string, TimeSpan> { ["EmptyImage"] = TimeSpan.FromMilliseconds(500), ["ImageBlur"] = TimeSpan.FromSeconds(1) };
        var (emulator, http) = await StartAsync(new ComfyEmulatorOptions { NodeDelays = delays });
        await using var _ = emulator;
        using var __ = http;
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "sdk-queue", featureFlags: false);
        await c.WaitForAsync(f => f.Type == "status");
        var running = await Fixture.SubmitAsync(http, Fixture.Workflow("slow_blur_chain"), "sdk-queue");
        await c.WaitForAsync(f => f.Label == "executing(1)");
        var pending = await Fixture.SubmitAsync(http, Fixture.Workflow("text_preview_any"), "sdk-queue");
        await c.WaitForAsync(f => f.Label == "executing(2)");
        var front = await Fixture.SubmitAsync(http, Fixture.Workflow("text_preview_any"), "sdk-queue", b => b["front"] = true);

        var queue = await Fixture.GetJsonAsync(http, "/queue");
        Assert.Equal(running, queue["queue_running"]![0]![1]!.GetValue<string>());
        var pendingItems = queue["queue_pending"]!.AsArray().OrderBy(i => i![0]!.GetValue<double>()).ToList();
        Assert.Equal([front, pending], pendingItems.Select(i => i![1]!.GetValue<string>()));
        Assert.True(pendingItems[0]![0]!.GetValue<double>() < 0);
        Assert.Equal(3, (await Fixture.GetJsonAsync(http, "/prompt"))["exec_info"]!["queue_remaining"]!.GetValue<int>());

        Assert.Equal((200, ""), await Fixture.PostJsonAsync(http, "/queue", $$"""{"delete": ["{{pending}}"]}"""));
        Assert.Equal(front, (await Fixture.GetJsonAsync(http, "/queue"))["queue_pending"]![0]![1]!.GetValue<string>());
        Assert.Equal((200, ""), await Fixture.PostJsonAsync(http, "/queue", """{"clear": true}"""));
        Assert.Equal((200, ""), await Fixture.PostJsonAsync(http, "/interrupt", ""));
        await c.WaitForDoneAsync(running);
        Assert.Equal(Fixture.ExpectedSequence("queue_management"), c.Sequence);
        Assert.Equal(0, emulator.GetExecutionCount(pending));
        Assert.Equal(1, emulator.GetExecutionCount(running));
    }

    [Fact]
    public async Task PromptWithoutClientId_WatcherGetsOnlyStatusAndProgressState()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        await using var watcher = await RawClient.ConnectAsync(emulator.BaseAddress, "sdk-watcher", featureFlags: false);
        await watcher.WaitForAsync(f => f.Type == "status");
        var workflow = Fixture.Workflow("basic_empty_invert_save");
        workflow["1"]!["inputs"]!["color"] = 4321;
        var id = await Fixture.SubmitAsync(http, workflow, clientId: null);
        await watcher.WaitForAsync(f => f.Type == "status" && watcher.Seen.Count > 3 && f.Data!["status"]!["exec_info"]!["queue_remaining"]!.GetValue<int>() == 0);
        Assert.Equal(Fixture.ExpectedSequence("no_client_id"), watcher.Sequence);
        var history = (await Fixture.GetJsonAsync(http, "/history/" + id))[id]!;
        Assert.Equal("success", history["status"]!["status_str"]!.GetValue<string>());
    }

    [Fact]
    public async Task SlowProgressNode_RunsThenInterruptedMidNode_MatchRecordedSequences()
    {
        var (emulator, http) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        JsonObject Workflow(int steps) => JsonNode.Parse("""
            {"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 255}},
             "2": {"class_type": "SdkTestSlowProgress", "inputs": {"image": ["1", 0], "steps": STEPS, "step_seconds": 0.02}},
             "3": {"class_type": "PreviewImage", "inputs": {"images": ["2", 0]}}}
            """.Replace("STEPS", steps.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))!.AsObject();
        await using (var c = await RawClient.ConnectAsync(emulator.BaseAddress, "sdk-testnode", featureFlags: true))
        {
            await c.WaitForAsync(f => f.Type == "feature_flags");
            await c.WaitForDoneAsync(await Fixture.SubmitAsync(http, Workflow(8), "sdk-testnode"));
            Assert.Equal(Fixture.ExpectedSequence("slow_progress"), c.Sequence);
        }

        await using var d = await RawClient.ConnectAsync(emulator.BaseAddress, "sdk-testnode", featureFlags: false);
        await d.WaitForAsync(f => f.Type == "status");
        var slow = Workflow(40);
        slow["2"]!["inputs"]!["step_seconds"] = 0.25;
        var id = await Fixture.SubmitAsync(http, slow, "sdk-testnode");
        await d.WaitForAsync(f => f.Label == "progress(2)" && f.Data!["value"]!.GetValue<int>() == 3);
        await Fixture.PostJsonAsync(http, "/interrupt", "");
        await d.WaitForDoneAsync(id);
        Assert.Equal(Fixture.ExpectedSequence("slow_progress_interrupt"), d.Sequence);
        Assert.Empty(d.Seen.Single(f => f.Label == "execution_interrupted").Data!["executed"]!.AsArray());
    }
}
