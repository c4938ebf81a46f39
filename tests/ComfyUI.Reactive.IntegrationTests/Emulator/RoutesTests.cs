using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator;
using SkiaSharp;

namespace ComfyUI.Reactive.IntegrationTests.Emulator;

/// <summary>REST routes over raw HttpClient, with and without the <c>/api</c> prefix.</summary>
public sealed class RoutesTests : IAsyncLifetime, IDisposable
{
    private ComfyEmulator emulator = null!;
    private HttpClient http = null!;

    public async Task InitializeAsync()
    {
        emulator = await ComfyEmulator.StartAsync();
        http = new HttpClient { BaseAddress = emulator.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await emulator.DisposeAsync();
    }

    public void Dispose() => http?.Dispose();

    /// <summary>A 96x64 RGBA PNG whose right half has the given alpha (like the recorded upload).</summary>
    internal static byte[] UploadPng(byte alpha, SKColor? color = null)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(96, 64, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (var y = 0; y < 64; y++)
        {
            for (var x = 0; x < 96; x++)
            {
                bitmap.SetPixel(x, y, (color ?? new SKColor(200, 100, 50)).WithAlpha(x < 48 ? (byte)255 : alpha));
            }
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    [Theory]
    [InlineData("/system_stats")]
    [InlineData("/api/system_stats")]
    [InlineData("/features")]
    [InlineData("/api/features")]
    [InlineData("/prompt")]
    [InlineData("/api/queue")]
    [InlineData("/history")]
    [InlineData("/api/embeddings")]
    [InlineData("/api/extensions")]
    [InlineData("/api/models")]
    [InlineData("/api/models/checkpoints")]
    [InlineData("/api/object_info")]
    [InlineData("/api/settings")]
    [InlineData("/api/users")]
    [InlineData("/api/jobs")]
    public async Task Get_KnownRoute_ReturnsJson(string path)
    {
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Get_IdleServer_MatchesRecordedAnswers()
    {
        Assert.Equal("""{"supports_preview_metadata":true,"max_upload_size":104857600}""", await http.GetStringAsync("/features"));
        Assert.Equal("""{"exec_info":{"queue_remaining":0}}""", await http.GetStringAsync("/prompt"));
        Assert.Equal("""{"queue_running":[],"queue_pending":[]}""", await http.GetStringAsync("/queue"));
        Assert.Equal("{}", await http.GetStringAsync("/history"));
        Assert.Equal("{}", await http.GetStringAsync("/history/unknown"));
        Assert.Equal("{}", await http.GetStringAsync("/object_info/NoSuchNode"));
        Assert.Equal("[]", await http.GetStringAsync("/embeddings"));
        Assert.Equal("""["v1-5-pruned-emaonly.safetensors"]""", await http.GetStringAsync("/models/checkpoints"));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/models/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/no/such/route")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync("/no/such/route", null)).StatusCode);
        Assert.Equal("0.3.64", (await Fixture.GetJsonAsync(http, "/system_stats"))["system"]!["comfyui_version"]!.GetValue<string>());
    }

    [Fact]
    public async Task ObjectInfo_RecordedSchemas_AreServedVerbatim()
    {
        var recorded = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Emulator", "Fixtures", "object_info_subset.json")))!.AsObject();
        var all = await Fixture.GetJsonAsync(http, "/object_info");
        foreach (var (name, schema) in recorded)
        {
            if (name is "LoadImage" or "CheckpointLoaderSimple")
            {
                continue;
            }

            Assert.True(JsonNode.DeepEquals(schema, all[name]), name);
        }

        Assert.Equal("""["v1-5-pruned-emaonly.safetensors"]""", all["CheckpointLoaderSimple"]!["input"]!["required"]!["ckpt_name"]![0]!.ToJsonString());
        // The whole real 0.3.64 set (383 nodes, embedded verbatim) plus the recordings' test node; only file lists differ.
        using var stream = typeof(ComfyEmulator).Assembly.GetManifestResourceStream("object_info.json")!;
        var snapshot = JsonNode.Parse(stream)!.AsObject();
        Assert.Equal(383, snapshot.Count);
        Assert.Equal(384, all.AsObject().Count);
        Assert.Equal(snapshot.Select(p => p.Key).Append("SdkTestSlowProgress"), all.AsObject().Select(p => p.Key));
        string[] listsFiles = ["CheckpointLoaderSimple", "CheckpointLoader", "unCLIPCheckpointLoader", "ImageOnlyCheckpointLoader", "CreateHookModelAsLora", "CreateHookModelAsLoraModelOnly", "VAELoader", "LoadImage", "LoadImageMask"];
        foreach (var (name, schema) in snapshot.Where(p => !listsFiles.Contains(p.Key)))
        {
            Assert.True(JsonNode.DeepEquals(schema, all[name]), name);
        }

        Assert.Equal("""["pixel_space"]""", all["VAELoader"]!["input"]!["required"]!["vae_name"]![0]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(all["ImageBlur"], (await Fixture.GetJsonAsync(http, "/api/object_info/ImageBlur"))["ImageBlur"]));
    }

    [Fact]
    public async Task UploadImage_RecordedSequence_DedupesRenamesOverwritesAndListsInLoadImage()
    {
        async Task<JsonNode> Upload(byte[] png, string name, params (string Key, string Value)[] fields)
        {
            using var form = new MultipartFormDataContent { { new ByteArrayContent(png), "image", name } };
            foreach (var (k, v) in fields)
            {
                form.Add(new StringContent(v), k);
            }

            using var response = await http.PostAsync("/upload/image", form);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        }

        var original = UploadPng(128);
        var different = UploadPng(64);
        Assert.Equal("""{"name":"sdk_upload_test.png","subfolder":"","type":"input"}""", (await Upload(original, "sdk_upload_test.png")).ToJsonString());
        Assert.Equal("sdk_upload_test.png", (await Upload(original, "sdk_upload_test.png"))["name"]!.GetValue<string>());
        Assert.Equal("sdk_upload_test (1).png", (await Upload(different, "sdk_upload_test.png"))["name"]!.GetValue<string>());
        Assert.Equal("sdk_upload_test (1).png", (await Upload(different, "sdk_upload_test.png"))["name"]!.GetValue<string>());
        Assert.Equal("sdk_upload_test.png", (await Upload(different, "sdk_upload_test.png", ("overwrite", "true")))["name"]!.GetValue<string>());
        Assert.Equal(different, await http.GetByteArrayAsync("/view?filename=sdk_upload_test.png&type=input"));
        Assert.Equal("""{"name":"sdk_upload_sub.png","subfolder":"sdk_sub","type":"input"}""", (await Upload(original, "sdk_upload_sub.png", ("type", "input"), ("subfolder", "sdk_sub"))).ToJsonString());

        using (var noImage = new MultipartFormDataContent { { new StringContent("x"), "type" } })
        {
            using var response = await http.PostAsync("/upload/image", noImage);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        }

        using (var traversal = new MultipartFormDataContent { { new ByteArrayContent(original), "image", "a.png" }, { new StringContent("../../etc"), "subfolder" } })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("/upload/image", traversal)).StatusCode);
        }

        var loadImage = await Fixture.GetJsonAsync(http, "/object_info/LoadImage");
        Assert.Equal("""[["sdk_upload_test (1).png","sdk_upload_test.png"],{"image_upload":true}]""", loadImage["LoadImage"]!["input"]!["required"]!["image"]!.ToJsonString());

        var prompt = Fixture.Workflow("load_image_invert_save");
        prompt["1"]!["inputs"]!["image"] = "sdk_sub/sdk_upload_sub.png";
        var (status, body) = await Fixture.PostJsonAsync(http, "/prompt", new JsonObject { ["prompt"] = prompt }.ToJsonString());
        Assert.Equal(200, status);
        Assert.Contains("prompt_id", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadMask_WithOriginal_WritesOriginalColoursWithMaskAlpha()
    {
        using (var form = new MultipartFormDataContent { { new ByteArrayContent(UploadPng(255, new SKColor(10, 20, 30))), "image", "orig.png" } })
        {
            (await http.PostAsync("/upload/image", form)).EnsureSuccessStatusCode();
        }

        using var mask = new MultipartFormDataContent
        {
            { new ByteArrayContent(UploadPng(0, new SKColor(0, 0, 0))), "image", "masked.png" },
            { new StringContent("""{"filename": "orig.png", "subfolder": "", "type": "input"}"""), "original_ref" },
        };
        using var response = await http.PostAsync("/upload/mask", mask);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var bitmap = SKBitmap.Decode(await http.GetByteArrayAsync("/view?filename=masked.png&type=input"));
        var right = bitmap.GetPixel(90, 10);
        Assert.Equal(0, right.Alpha);
        var left = bitmap.GetPixel(5, 10);
        Assert.Equal((10, 20, 30, 255), (left.Red, left.Green, left.Blue, left.Alpha));
    }

    [Theory]
    [InlineData("/view?filename=does_not_exist.png&type=output", HttpStatusCode.NotFound)]
    [InlineData("/view?filename=../secret.png&type=output", HttpStatusCode.BadRequest)]
    [InlineData("/view?filename=/etc/passwd", HttpStatusCode.BadRequest)]
    [InlineData("/view?filename=a.png&type=bogus", HttpStatusCode.BadRequest)]
    [InlineData("/view?filename=a.png&subfolder=../..", HttpStatusCode.Forbidden)]
    [InlineData("/view", HttpStatusCode.NotFound)]
    public async Task View_BadRequests_ReturnEmptyErrors(string path, HttpStatusCode expected)
    {
        using var response = await http.GetAsync(path);
        Assert.Equal(expected, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task History_PagingDeleteClear_BehaveLikeComfyUi()
    {
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "hist", featureFlags: false);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var prompt = Fixture.Workflow("text_preview_any");
            prompt["1"]!["inputs"]!["string_b"] = "n" + i;
            ids.Add(await Fixture.SubmitAsync(http, prompt, "hist"));
            await c.WaitForDoneAsync(ids[^1]);
        }

        Assert.Equal([ids[2]], (await Fixture.GetJsonAsync(http, "/history?max_items=1")).AsObject().Select(p => p.Key));
        Assert.Equal([ids[1], ids[2]], (await Fixture.GetJsonAsync(http, "/api/history?max_items=2&offset=1")).AsObject().Select(p => p.Key));
        Assert.Equal(HttpStatusCode.InternalServerError, (await http.GetAsync("/history?max_items=x")).StatusCode);
        Assert.Equal((200, ""), await Fixture.PostJsonAsync(http, "/history", $$"""{"delete": ["{{ids[0]}}"]}"""));
        Assert.Equal([ids[1], ids[2]], (await Fixture.GetJsonAsync(http, "/history")).AsObject().Select(p => p.Key));
        Assert.Equal((200, ""), await Fixture.PostJsonAsync(http, "/history", """{"clear": true}"""));
        Assert.Equal("{}", await http.GetStringAsync("/history"));
    }

    [Fact]
    public async Task History_OverCapAndReusedId_EvictsOldestAndOverwritesInPlace()
    {
        await using var capped = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { MaxHistoryItems = 2 });
        using var client = new HttpClient { BaseAddress = capped.BaseAddress };
        await using var c = await RawClient.ConnectAsync(capped.BaseAddress, "cap", featureFlags: false);
        var a = Guid.NewGuid().ToString();
        var b = Guid.NewGuid().ToString();
        var d = Guid.NewGuid().ToString();
        async Task RunAsync(string id, string text)
        {
            var prompt = Fixture.Workflow("text_preview_any");
            prompt["1"]!["inputs"]!["string_b"] = text;
            await Fixture.SubmitAsync(client, prompt, "cap", body => body["prompt_id"] = id);
            await c.WaitForDoneAsync(id);
        }

        await RunAsync(a, "first");
        await RunAsync(b, "second");
        await RunAsync(a, "again");

        // A reused id keeps its place (Python dict assignment) but holds the newer run.
        var history = (await Fixture.GetJsonAsync(client, "/history")).AsObject();
        Assert.Equal([a, b], history.Select(p => p.Key));
        Assert.Equal("again", history[a]!["prompt"]![2]!["1"]!["inputs"]!["string_b"]!.GetValue<string>());

        await RunAsync(d, "third");
        Assert.Equal([b, d], (await Fixture.GetJsonAsync(client, "/history")).AsObject().Select(p => p.Key));
        Assert.Equal("{}", await client.GetStringAsync($"/history/{a}"));
    }

    [Fact]
    public async Task Free_FreeMemory_ResetsCacheSoRerunExecutes()
    {
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "free", featureFlags: false);
        var prompt = Fixture.Workflow("text_preview_any");
        await c.WaitForDoneAsync(await Fixture.SubmitAsync(http, prompt, "free"));
        Assert.Equal((200, ""), await Fixture.PostJsonAsync(http, "/free", """{"unload_models": true, "free_memory": true}"""));
        c.Seen.Clear();
        await c.WaitForDoneAsync(await Fixture.SubmitAsync(http, prompt, "free"));
        Assert.Contains(c.Seen, f => f.Label == "executing(1)");
        Assert.Equal(HttpStatusCode.InternalServerError, (await http.PostAsync("/free", new StringContent("{nope", Encoding.UTF8))).StatusCode);
    }

    [Fact]
    public async Task PostPrompt_ExplicitNumberAndCounter_EchoLikeComfyUi()
    {
        var (status, body) = await Fixture.PostJsonAsync(http, "/api/prompt", new JsonObject { ["prompt"] = Fixture.Workflow("text_preview_any"), ["number"] = 5 }.ToJsonString());
        Assert.Equal(200, status);
        Assert.Contains("\"number\":5.0", body, StringComparison.Ordinal);
        (_, body) = await Fixture.PostJsonAsync(http, "/prompt", new JsonObject { ["prompt"] = Fixture.Workflow("text_preview_any") }.ToJsonString());
        Assert.Contains("\"number\":0,", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_AndUserData_RoundTripInMemory()
    {
        Assert.Equal((200, ""), await Fixture.PostJsonAsync(http, "/settings", """{"Comfy.A": 1, "Comfy.B": "x"}"""));
        Assert.Equal((200, ""), await Fixture.PostJsonAsync(http, "/settings/Comfy.C", "true"));
        Assert.Equal("""{"Comfy.A":1,"Comfy.B":"x","Comfy.C":true}""", await http.GetStringAsync("/settings"));
        Assert.Equal("\"x\"", await http.GetStringAsync("/settings/Comfy.B"));
        using var put = await http.PostAsync("/userdata/workflows%2Fa.json", new StringContent("{\"a\":1}"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("{\"a\":1}", await http.GetStringAsync("/userdata/workflows%2Fa.json"));
        Assert.Equal("""["a.json"]""", await http.GetStringAsync("/userdata?dir=workflows"));
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync("/userdata/workflows%2Fa.json")).StatusCode);
    }

    [Fact]
    public async Task Txt2Img_SimulatedSampler_SendsStepProgressAndPreviewsAndDeterministicPicture()
    {
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "t2i", featureFlags: true);
        await c.WaitForAsync(f => f.Type == "feature_flags");
        var prompt = Fixture.Workflow("txt2img_sd15");
        prompt["3"]!["inputs"]!["steps"] = 4;
        prompt["5"]!["inputs"]!["width"] = 128;
        prompt["5"]!["inputs"]!["height"] = 64;
        var id = await Fixture.SubmitAsync(http, prompt, "t2i");
        await c.WaitForDoneAsync(id);
        Assert.Equal([1, 2, 3, 4], c.Seen.Where(f => f.Label == "progress(3)").Select(f => f.Data!["value"]!.GetValue<int>()));
        var previews = c.Seen.Where(f => f.Binary is not null).ToList();
        Assert.Equal(4, previews.Count);
        Assert.All(previews, p => Assert.Equal(4u, p.BinaryType));
        var file = c.Seen.Single(f => f.Label == "executed(9)").Data!["output"]!["images"]![0]!["filename"]!.GetValue<string>();
        var first = await http.GetByteArrayAsync($"/view?filename={file}&type=output");
        using var bitmap = SKBitmap.Decode(first);
        Assert.Equal((128, 64), (bitmap.Width, bitmap.Height));

        Assert.Equal((200, ""), await Fixture.PostJsonAsync(http, "/free", """{"free_memory": true}"""));
        var again = await Fixture.SubmitAsync(http, prompt, "t2i");
        await c.WaitForDoneAsync(again);
        var second = c.Seen.Last(f => f.Label == "executed(9)").Data!["output"]!["images"]![0]!["filename"]!.GetValue<string>();
        Assert.NotEqual(file, second);
        Assert.Equal(first, await http.GetByteArrayAsync($"/view?filename={second}&type=output"));
    }

    [Fact]
    public async Task Jobs_ListGetAndCancel_ReflectQueueAndHistory()
    {
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "jobs", featureFlags: false);
        var id = await Fixture.SubmitAsync(http, Fixture.Workflow("text_preview_any"), "jobs");
        await c.WaitForDoneAsync(id);
        var job = await Fixture.GetJsonAsync(http, "/api/jobs/" + id);
        Assert.Equal("completed", job["status"]!.GetValue<string>());
        Assert.Equal("""{"text":["Hello, ComfyUI"]}""", job["outputs"]!["2"]!.ToJsonString());
        var list = await Fixture.GetJsonAsync(http, "/api/jobs?status=completed&limit=1");
        Assert.Equal(1, list["pagination"]!["total"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/jobs/" + Guid.NewGuid())).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/jobs")).StatusCode);
        Assert.Equal((200, """{"cancelled":false}"""), await Fixture.PostJsonAsync(http, $"/api/jobs/{id}/cancel", ""));
        Assert.Equal(400, (await Fixture.PostJsonAsync(http, "/api/jobs/cancel", """{"job_ids": ["x"]}""")).Status);
    }
}
