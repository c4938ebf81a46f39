using System.Net;
using System.Text;
using System.Text.Json;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Tests.Rest;

/// <summary>Each route sends the method, path (with /api), query and body the server expects.</summary>
public sealed class ComfyApiRoutesTests
{
    private static async Task<RecordedRequest> Capture(Func<ComfyApi, Task> call, string? answer = null, Action<ComfyClientOptions>? configure = null)
    {
        var handler = FakeHttpHandler.Json(answer);
        var api = TestApi.Over(handler, configure);
        await call(api);
        return handler.Single;
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public async Task SubmitPromptAsync_AllFields_PostsApiPromptWithSnakeCaseBody()
    {
        var request = await Capture(
            api => api.SubmitPromptAsync(new PromptRequest
            {
                Prompt = Json("""{"1":{"class_type":"EmptyImage","inputs":{"width":64}}}"""),
                ClientId = "client-a",
                PromptId = "8248c8f1-47af-4b62-b274-5f540f8929e9",
                Front = true,
                Number = 5,
                ExtraData = new Dictionary<string, JsonElement> { ["preview_method"] = Json("\"none\"") },
                PartialExecutionTargets = ["9"],
            }),
            RestFixtures.Read("prompt-post-s2.json"));

        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("http://comfy.test:8188/api/prompt", request.Uri.ToString());
        Assert.Equal("application/json", request.ContentType?.MediaType);
        var body = Json(request.BodyText);
        Assert.Equal("EmptyImage", body.GetProperty("prompt").GetProperty("1").GetProperty("class_type").GetString());
        Assert.Equal("client-a", body.GetProperty("client_id").GetString());
        Assert.Equal("8248c8f1-47af-4b62-b274-5f540f8929e9", body.GetProperty("prompt_id").GetString());
        Assert.True(body.GetProperty("front").GetBoolean());
        Assert.Equal(5, body.GetProperty("number").GetDouble());
        Assert.Equal("none", body.GetProperty("extra_data").GetProperty("preview_method").GetString());
        Assert.Equal("9", body.GetProperty("partial_execution_targets")[0].GetString());
    }

    [Fact]
    public async Task SubmitPromptAsync_SendsABufferedBodyWithItsLength()
    {
        // A body streamed through chunked encoding costs several async layers per prompt, and some proxies refuse it.
        var inner = FakeHttpHandler.Json(RestFixtures.Read("prompt-post-s2.json"));
        var seen = new LengthRecordingHandler(inner);
        var prompt = Json("""{"1":{"class_type":"EmptyImage","inputs":{"width":64}}}""");
        await TestApi.Over(seen).SubmitPromptAsync(new PromptRequest { Prompt = prompt, ClientId = "client-a" });

        Assert.Equal(inner.Single.Body!.Length, seen.ContentLength);
        Assert.NotEqual(true, seen.Chunked);
    }

    [Fact]
    public async Task SubmitPromptAsync_OnlyPrompt_LeavesOptionalFieldsOut()
    {
        var request = await Capture(
            api => api.SubmitPromptAsync(new PromptRequest { Prompt = Json("{}") }),
            RestFixtures.Read("prompt-post-s2.json"));

        var names = Json(request.BodyText).EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(["prompt"], names);
    }

    [Fact]
    public void SubmitPromptAsync_PromptNotAnObject_ThrowsBeforeSending()
    {
        var handler = FakeHttpHandler.Json("{}");
        var api = TestApi.Over(handler);

        Assert.Throws<ArgumentException>(() => { _ = api.SubmitPromptAsync(new PromptRequest()); });
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task GetQueueStatusAsync_GetsApiPrompt()
    {
        var request = await Capture(api => api.GetQueueStatusAsync(), RestFixtures.Read("prompt-get-idle.json"));
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal("/api/prompt", request.Uri.AbsolutePath);
    }

    [Fact]
    public async Task GetQueueAsync_GetsApiQueue()
    {
        var request = await Capture(api => api.GetQueueAsync(), RestFixtures.Read("queue-empty.json"));
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal("/api/queue", request.Uri.AbsolutePath);
    }

    [Fact]
    public async Task DeleteFromQueueAsync_PostsDeleteList()
    {
        var request = await Capture(api => api.DeleteFromQueueAsync(["a", "b"]));
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/api/queue", request.Uri.AbsolutePath);
        Assert.Equal("""{"delete":["a","b"]}""", request.BodyText);
    }

    [Fact]
    public async Task DeleteFromQueueAsync_NoIds_SendsNothing()
    {
        var handler = FakeHttpHandler.Json(null);
        var api = TestApi.Over(handler);
        await api.DeleteFromQueueAsync([]);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task ClearQueueAsync_PostsClearTrue()
    {
        var request = await Capture(api => api.ClearQueueAsync());
        Assert.Equal("/api/queue", request.Uri.AbsolutePath);
        Assert.Equal("""{"clear":true}""", request.BodyText);
    }

    [Fact]
    public async Task InterruptAsync_Global_PostsWithoutBody()
    {
        var request = await Capture(api => api.InterruptAsync());
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/api/interrupt", request.Uri.AbsolutePath);
        Assert.True(request.Body is null or { Length: 0 });
    }

    [Fact]
    public async Task InterruptAsync_PromptId_PostsPromptId()
    {
        var request = await Capture(api => api.InterruptAsync("p-1"));
        Assert.Equal("/api/interrupt", request.Uri.AbsolutePath);
        Assert.Equal("""{"prompt_id":"p-1"}""", request.BodyText);
    }

    [Fact]
    public async Task FreeAsync_PostsBothFlags()
    {
        var request = await Capture(api => api.FreeAsync(unloadModels: true, freeMemory: false));
        Assert.Equal("/api/free", request.Uri.AbsolutePath);
        Assert.Equal("""{"unload_models":true,"free_memory":false}""", request.BodyText);
    }

    [Fact]
    public async Task GetHistoryAsync_NoArguments_SendsNoQuery()
    {
        var request = await Capture(api => api.GetHistoryAsync(), "{}");
        Assert.Equal("/api/history", request.Uri.AbsolutePath);
        Assert.Equal(string.Empty, request.Uri.Query);
    }

    [Fact]
    public async Task GetHistoryAsync_MaxItemsAndOffset_SendsBoth()
    {
        var request = await Capture(api => api.GetHistoryAsync(maxItems: 5, offset: 10), "{}");
        Assert.Equal("/api/history", request.Uri.AbsolutePath);
        Assert.Equal("?max_items=5&offset=10", request.Uri.Query);
    }

    [Fact]
    public void GetHistoryAsync_ZeroMaxItems_ThrowsBeforeSending()
    {
        var api = TestApi.Over(FakeHttpHandler.Json("{}"));
        Assert.Throws<ArgumentOutOfRangeException>(() => api.GetHistoryAsync(maxItems: 0).GetAwaiter().GetResult());
    }

    [Fact]
    public async Task GetHistoryEntryAsync_GetsByIdAndReturnsEntry()
    {
        var handler = FakeHttpHandler.Json(RestFixtures.Read("history-basic.json"));
        var api = TestApi.Over(handler);

        var entry = await api.GetHistoryEntryAsync("8248c8f1-47af-4b62-b274-5f540f8929e9");

        Assert.Equal("/api/history/8248c8f1-47af-4b62-b274-5f540f8929e9", handler.Single.Uri.AbsolutePath);
        Assert.NotNull(entry);
        Assert.Equal("8248c8f1-47af-4b62-b274-5f540f8929e9", entry.PromptId);
    }

    [Fact]
    public async Task GetHistoryEntryAsync_UnknownId_ReturnsNull()
    {
        var api = TestApi.Over(FakeHttpHandler.Json(RestFixtures.Read("history-empty.json")));
        Assert.Null(await api.GetHistoryEntryAsync("nope"));
    }

    [Fact]
    public async Task DeleteHistoryAsync_PostsDeleteList()
    {
        var request = await Capture(api => api.DeleteHistoryAsync(["x"]));
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/api/history", request.Uri.AbsolutePath);
        Assert.Equal("""{"delete":["x"]}""", request.BodyText);
    }

    [Fact]
    public async Task ClearHistoryAsync_PostsClearTrue()
    {
        var request = await Capture(api => api.ClearHistoryAsync());
        Assert.Equal("/api/history", request.Uri.AbsolutePath);
        Assert.Equal("""{"clear":true}""", request.BodyText);
    }

    [Fact]
    public async Task GetObjectInfoAsync_GetsAll()
    {
        var request = await Capture(api => api.GetObjectInfoAsync(), RestFixtures.Read("object_info-EmptyImage.json"));
        Assert.Equal("/api/object_info", request.Uri.AbsolutePath);
    }

    [Fact]
    public async Task GetNodeInfoAsync_GetsOneClass()
    {
        var handler = FakeHttpHandler.Json(RestFixtures.Read("object_info-EmptyImage.json"));
        var api = TestApi.Over(handler);

        var node = await api.GetNodeInfoAsync("EmptyImage");

        Assert.Equal("/api/object_info/EmptyImage", handler.Single.Uri.AbsolutePath);
        Assert.Equal("EmptyImage", node?.Name);
    }

    [Fact]
    public async Task GetNodeInfoAsync_UnknownClass_ReturnsNull()
    {
        var api = TestApi.Over(FakeHttpHandler.Json(RestFixtures.Read("object_info-NoSuchNode.json")));
        Assert.Null(await api.GetNodeInfoAsync("NoSuchNode"));
    }

    [Theory]
    [InlineData("embeddings", "/api/embeddings")]
    [InlineData("models", "/api/models")]
    [InlineData("models/checkpoints", "/api/models/checkpoints")]
    [InlineData("extensions", "/api/extensions")]
    public async Task ListRoutes_GetTheirPath(string route, string path)
    {
        var handler = FakeHttpHandler.Json("""["a","b"]""");
        var api = TestApi.Over(handler);

        var list = route switch
        {
            "embeddings" => await api.GetEmbeddingsAsync(),
            "models" => await api.GetModelFoldersAsync(),
            "models/checkpoints" => await api.GetModelsAsync("checkpoints"),
            _ => await api.GetExtensionsAsync(),
        };

        Assert.Equal(HttpMethod.Get, handler.Single.Method);
        Assert.Equal(path, handler.Single.Uri.AbsolutePath);
        Assert.Equal(["a", "b"], list);
    }

    [Fact]
    public async Task GetSystemStatsAsync_GetsSystemStats()
    {
        var request = await Capture(api => api.GetSystemStatsAsync(), RestFixtures.Read("system_stats.json"));
        Assert.Equal("/api/system_stats", request.Uri.AbsolutePath);
    }

    [Fact]
    public async Task GetFeaturesAsync_GetsFeatures()
    {
        var request = await Capture(api => api.GetFeaturesAsync(), RestFixtures.Read("features.json"));
        Assert.Equal("/api/features", request.Uri.AbsolutePath);
    }

    [Fact]
    public async Task UploadImageAsync_AllOptions_SendsMultipartParts()
    {
        using var content = new MemoryStream([1, 2, 3]);
        var handler = FakeHttpHandler.Json(RestFixtures.Read("upload-subfolder.json"));
        var api = TestApi.Over(handler);

        var result = await api.UploadImageAsync(
            content, "sdk_upload_sub.png", new UploadOptions { Type = "input", Subfolder = "sdk_sub", Overwrite = true });

        var request = handler.Single;
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/api/upload/image", request.Uri.AbsolutePath);
        var parts = await MultipartParts(request);
        Assert.Equal("sdk_upload_sub.png", parts["image"].FileName);
        Assert.Equal("image/png", parts["image"].ContentType);
        Assert.Equal([1, 2, 3], parts["image"].Bytes);
        Assert.Equal("input", parts["type"].Text);
        Assert.Equal("sdk_sub", parts["subfolder"].Text);
        Assert.Equal("true", parts["overwrite"].Text);
        Assert.Equal("sdk_sub/sdk_upload_sub.png", result.WorkflowValue);
        Assert.True(content.CanRead, "the caller's stream stays open");
    }

    [Fact]
    public async Task UploadImageAsync_Defaults_SendsOnlyTheImagePart()
    {
        using var content = new MemoryStream([1]);
        var handler = FakeHttpHandler.Json(RestFixtures.Read("upload-first.json"));
        var api = TestApi.Over(handler);

        await api.UploadImageAsync(content, "a.png");

        var parts = await MultipartParts(handler.Single);
        Assert.Equal(["image"], parts.Keys);
    }

    [Fact]
    public async Task UploadMaskAsync_SendsOriginalRefAsJson()
    {
        using var content = new MemoryStream([9]);
        var handler = FakeHttpHandler.Json(RestFixtures.Read("upload-first.json"));
        var api = TestApi.Over(handler);

        await api.UploadMaskAsync(content, "mask.png", new ComfyFileReference("base.png", "sub", "input"));

        var request = handler.Single;
        Assert.Equal("/api/upload/mask", request.Uri.AbsolutePath);
        var parts = await MultipartParts(request);
        Assert.Equal("mask.png", parts["image"].FileName);
        var originalRef = Json(parts["original_ref"].Text);
        Assert.Equal("base.png", originalRef.GetProperty("filename").GetString());
        Assert.Equal("sub", originalRef.GetProperty("subfolder").GetString());
        Assert.Equal("input", originalRef.GetProperty("type").GetString());
    }

    [Fact]
    public async Task DownloadAsync_FileReference_SendsFilenameSubfolderType()
    {
        var handler = new FakeHttpHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([7, 8]) });
        var api = TestApi.Over(handler);

        await using var stream = await api.DownloadAsync(new ComfyFileReference("scaled_00001_.png", "sdk pipeline", "output"));
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);

        var request = handler.Single;
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal("/api/view", request.Uri.AbsolutePath);
        Assert.Equal("?filename=scaled_00001_.png&subfolder=sdk%20pipeline&type=output", request.Uri.Query);
        Assert.Equal([7, 8], copy.ToArray());
    }

    [Fact]
    public async Task DownloadAsync_PreviewAndChannel_SendsThem()
    {
        var handler = new FakeHttpHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) });
        var api = TestApi.Over(handler);

        await using var stream = await api.DownloadAsync("a.png", type: "temp", preview: "webp;90", channel: "rgb");

        Assert.Equal("?filename=a.png&type=temp&preview=webp%3B90&channel=rgb", handler.Single.Uri.Query);
    }

    [Fact]
    public async Task GetViewMetadataAsync_GetsFolderAndFilename()
    {
        var handler = FakeHttpHandler.Json("""{"ss_network_dim":"16"}""");
        var api = TestApi.Over(handler);

        var metadata = await api.GetViewMetadataAsync("loras", "x.safetensors");

        Assert.Equal("/api/view_metadata/loras", handler.Single.Uri.AbsolutePath);
        Assert.Equal("?filename=x.safetensors", handler.Single.Uri.Query);
        Assert.Equal("16", metadata.GetProperty("ss_network_dim").GetString());
    }

    [Fact]
    public async Task ListUserDataAsync_Options_SendsLowercaseFlags()
    {
        var request = await Capture(
            api => api.ListUserDataAsync("workflows", new UserDataListOptions { Recurse = true, FullInfo = true }),
            "[]");
        Assert.Equal("/api/userdata", request.Uri.AbsolutePath);
        Assert.Equal("?dir=workflows&recurse=true&full_info=true&split=false", request.Uri.Query);
    }

    [Fact]
    public async Task ListUserDataItemsAsync_Path_GetsV2()
    {
        var request = await Capture(api => api.ListUserDataItemsAsync("workflows"), "[]");
        Assert.Equal("/api/v2/userdata", request.Uri.AbsolutePath);
        Assert.Equal("?path=workflows", request.Uri.Query);
    }

    [Fact]
    public async Task GetUserDataAsync_NestedPath_EncodesSlashAsOneSegment()
    {
        var handler = new FakeHttpHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"a\":1}") });
        var api = TestApi.Over(handler);

        var bytes = await api.GetUserDataAsync("workflows/my flow.json");

        Assert.Equal(HttpMethod.Get, handler.Single.Method);
        Assert.Equal("/api/userdata/workflows%2Fmy%20flow.json", handler.Single.Uri.AbsolutePath);
        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public async Task SaveUserDataAsync_PostsRawBytesWithFlags()
    {
        var handler = FakeHttpHandler.Json("""{"path":"workflows/a.json","size":7,"modified":1795617380510,"created":1795617380510}""");
        var api = TestApi.Over(handler);

        var file = await api.SaveUserDataAsync("workflows/a.json", Encoding.UTF8.GetBytes("{\"x\":1}"), overwrite: false);

        var request = handler.Single;
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/api/userdata/workflows%2Fa.json", request.Uri.AbsolutePath);
        Assert.Equal("?overwrite=false&full_info=true", request.Uri.Query);
        Assert.Equal("{\"x\":1}", request.BodyText);
        Assert.Equal("workflows/a.json", file.Path);
        Assert.Equal(7, file.Size);
    }

    [Fact]
    public async Task SaveUserDataAsync_ServerAnswersPathString_ReadsPath()
    {
        var api = TestApi.Over(FakeHttpHandler.Json("\"workflows/a.json\""));
        var file = await api.SaveUserDataAsync("workflows/a.json", [1]);
        Assert.Equal("workflows/a.json", file.Path);
        Assert.Null(file.Size);
    }

    [Fact]
    public async Task MoveUserDataAsync_PostsMoveWithFlags()
    {
        var request = await Capture(api => api.MoveUserDataAsync("a/b.json", "c/d.json", overwrite: true), "\"c/d.json\"");
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/api/userdata/a%2Fb.json/move/c%2Fd.json", request.Uri.AbsolutePath);
        Assert.Equal("?overwrite=true&full_info=true", request.Uri.Query);
    }

    [Fact]
    public async Task DeleteUserDataAsync_SendsDelete()
    {
        var request = await Capture(api => api.DeleteUserDataAsync("a/b.json"));
        Assert.Equal(HttpMethod.Delete, request.Method);
        Assert.Equal("/api/userdata/a%2Fb.json", request.Uri.AbsolutePath);
    }

    [Fact]
    public async Task Settings_AllRoutes_UseSettingsPaths()
    {
        var handler = new FakeHttpHandler(request => request.Method == HttpMethod.Get
            ? FakeHttpHandler.Answer(HttpStatusCode.OK, request.RequestUri!.AbsolutePath.EndsWith("/settings", StringComparison.Ordinal) ? """{"Comfy.Locale":"en"}""" : "\"en\"")
            : FakeHttpHandler.Answer(HttpStatusCode.OK, null));
        var api = TestApi.Over(handler);

        var all = await api.GetSettingsAsync();
        var one = await api.GetSettingAsync("Comfy.Locale");
        await api.UpdateSettingsAsync(new Dictionary<string, JsonElement> { ["Comfy.Locale"] = Json("\"de\"") });
        await api.SetSettingAsync("Comfy.Locale", Json("\"fr\""));

        Assert.Equal("en", all["Comfy.Locale"].GetString());
        Assert.Equal("en", one?.GetString());
        Assert.Collection(
            handler.Requests,
            r => Assert.Equal((HttpMethod.Get, "/api/settings"), (r.Method, r.Uri.AbsolutePath)),
            r => Assert.Equal((HttpMethod.Get, "/api/settings/Comfy.Locale"), (r.Method, r.Uri.AbsolutePath)),
            r =>
            {
                Assert.Equal((HttpMethod.Post, "/api/settings"), (r.Method, r.Uri.AbsolutePath));
                Assert.Equal("""{"Comfy.Locale":"de"}""", r.BodyText);
            },
            r =>
            {
                Assert.Equal((HttpMethod.Post, "/api/settings/Comfy.Locale"), (r.Method, r.Uri.AbsolutePath));
                Assert.Equal("\"fr\"", r.BodyText);
            });
    }

    [Fact]
    public async Task GetSettingAsync_NullValue_ReturnsNull()
    {
        var api = TestApi.Over(FakeHttpHandler.Json("null"));
        Assert.Null(await api.GetSettingAsync("Unset.Setting"));
    }

    [Fact]
    public async Task GetUsersAsync_GetsUsers()
    {
        var handler = FakeHttpHandler.Json("""{"storage":"server","migrated":true}""");
        var api = TestApi.Over(handler);

        var users = await api.GetUsersAsync();

        Assert.Equal("/api/users", handler.Single.Uri.AbsolutePath);
        Assert.Equal("server", users.Storage);
        Assert.True(users.Migrated);
        Assert.False(users.IsMultiUser);
    }

    [Fact]
    public async Task CreateUserAsync_PostsUsernameAndReturnsTheJsonStringId()
    {
        var handler = FakeHttpHandler.Json("\"alice_6f0e\"");
        var api = TestApi.Over(handler);

        var id = await api.CreateUserAsync("alice");

        Assert.Equal(HttpMethod.Post, handler.Single.Method);
        Assert.Equal("/api/users", handler.Single.Uri.AbsolutePath);
        Assert.Equal("""{"username":"alice"}""", handler.Single.BodyText);
        Assert.Equal("alice_6f0e", id);
    }

    [Fact]
    public async Task ListJobsAsync_AllFilters_SendsQuery()
    {
        var request = await Capture(
            api => api.ListJobsAsync(new JobsQuery
            {
                Statuses = [JobStatus.Pending, JobStatus.InProgress],
                WorkflowId = "wf-1",
                SortBy = "execution_duration",
                SortOrder = "asc",
                Limit = 10,
                Offset = 20,
            }),
            """{"jobs":[],"pagination":{"offset":20,"limit":10,"total":0,"has_more":false}}""");

        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal("/api/jobs", request.Uri.AbsolutePath);
        Assert.Equal("?status=pending%2Cin_progress&workflow_id=wf-1&sort_by=execution_duration&sort_order=asc&limit=10&offset=20", request.Uri.Query);
    }

    [Fact]
    public async Task ListJobsAsync_NoQuery_SendsNoQuery()
    {
        var request = await Capture(api => api.ListJobsAsync(), """{"jobs":[],"pagination":{"offset":0,"limit":null,"total":0,"has_more":false}}""");
        Assert.Equal(string.Empty, request.Uri.Query);
    }

    [Fact]
    public void ListJobsAsync_ZeroLimit_ThrowsBeforeSending()
    {
        var api = TestApi.Over(FakeHttpHandler.Json("{}"));
        Assert.Throws<ArgumentException>(() => { _ = api.ListJobsAsync(new JobsQuery { Limit = 0 }); });
    }

    [Fact]
    public async Task GetJobAsync_GetsJobById()
    {
        var handler = FakeHttpHandler.Json("""{"id":"j1","status":"completed","priority":3.0,"create_time":1795617380510}""");
        var api = TestApi.Over(handler);

        var job = await api.GetJobAsync("j1");

        Assert.Equal("/api/jobs/j1", handler.Single.Uri.AbsolutePath);
        Assert.Equal(JobStatus.Completed, job?.Status);
    }

    [Fact]
    public async Task GetJobAsync_JsonNotFound_ReturnsNull()
    {
        var api = TestApi.Over(FakeHttpHandler.Json("""{"error":"Job not found"}""", HttpStatusCode.NotFound));
        Assert.Null(await api.GetJobAsync("missing"));
    }

    [Fact]
    public async Task GetJobAsync_PlainNotFoundFromOldServer_Throws()
    {
        var handler = new FakeHttpHandler(_ => FakeHttpHandler.Answer(HttpStatusCode.NotFound, "404: Not Found", "text/plain"));
        var api = TestApi.Over(handler);

        var error = await Assert.ThrowsAsync<ComfyApiException>(() => api.GetJobAsync("j1"));
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task CancelJobAsync_PostsCancel()
    {
        var handler = FakeHttpHandler.Json("""{"cancelled":true}""");
        var api = TestApi.Over(handler);

        Assert.True(await api.CancelJobAsync("j1"));
        Assert.Equal(HttpMethod.Post, handler.Single.Method);
        Assert.Equal("/api/jobs/j1/cancel", handler.Single.Uri.AbsolutePath);
    }

    [Fact]
    public async Task CancelJobsAsync_PostsJobIds()
    {
        var handler = FakeHttpHandler.Json("""{"cancelled":false}""");
        var api = TestApi.Over(handler);

        Assert.False(await api.CancelJobsAsync(["a", "b"]));
        Assert.Equal(HttpMethod.Post, handler.Single.Method);
        Assert.Equal("/api/jobs/cancel", handler.Single.Uri.AbsolutePath);
        Assert.Equal("""{"job_ids":["a","b"]}""", handler.Single.BodyText);
    }

    [Fact]
    public async Task UseApiPrefix_False_UsesBarePathsButJobsStayUnderApi()
    {
        var handler = new FakeHttpHandler(request => FakeHttpHandler.Answer(
            HttpStatusCode.OK,
            request.RequestUri!.AbsolutePath.Contains("jobs", StringComparison.Ordinal)
                ? """{"jobs":[],"pagination":{"offset":0,"total":0,"has_more":false}}"""
                : RestFixtures.Read("queue-empty.json")));
        var api = TestApi.Over(handler, o => o.UseApiPrefix = false);

        await api.GetQueueAsync();
        await api.ListJobsAsync();

        Assert.Equal("/queue", handler.Requests[0].Uri.AbsolutePath);
        Assert.Equal("/api/jobs", handler.Requests[1].Uri.AbsolutePath);
    }

    [Fact]
    public async Task BaseAddressWithPath_KeepsThePrefixBeforeApi()
    {
        var handler = FakeHttpHandler.Json(RestFixtures.Read("queue-empty.json"));
        var api = TestApi.Over(handler, o => o.BaseAddress = new Uri("https://proxy.test/comfy"));

        await api.GetQueueAsync();

        Assert.Equal("https://proxy.test/comfy/api/queue", handler.Single.Uri.ToString());
    }

    private sealed record Part(string? FileName, string? ContentType, byte[] Bytes)
    {
        public string Text => Encoding.UTF8.GetString(Bytes);
    }

    // A minimal multipart/form-data reader (RFC 7578), enough for the small parts these tests send.
    private static Task<Dictionary<string, Part>> MultipartParts(RecordedRequest request)
    {
        Assert.Equal("multipart/form-data", request.ContentType?.MediaType);
        var boundary = "--" + request.ContentType!.Parameters.Single(p => p.Name == "boundary").Value!.Trim('"');
        var text = Encoding.Latin1.GetString(request.Body!);
        var parts = new Dictionary<string, Part>();
        foreach (var chunk in text.Split(boundary).Skip(1))
        {
            if (chunk.StartsWith("--", StringComparison.Ordinal))
            {
                break;
            }

            var split = chunk.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            var headers = chunk[..split].Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
                .Select(h => h.Split(':', 2))
                .ToDictionary(h => h[0].Trim(), h => h[1].Trim(), StringComparer.OrdinalIgnoreCase);
            var body = chunk[(split + 4)..];
            body = body.EndsWith("\r\n", StringComparison.Ordinal) ? body[..^2] : body;
            var disposition = System.Net.Http.Headers.ContentDispositionHeaderValue.Parse(headers["Content-Disposition"]);
            parts[disposition.Name!.Trim('"')] = new Part(
                disposition.FileName?.Trim('"') ?? disposition.FileNameStar,
                headers.GetValueOrDefault("Content-Type")?.Split(';')[0],
                Encoding.Latin1.GetBytes(body));
        }

        return Task.FromResult(parts);
    }

    /// <summary>What the request said about its body before anyone read it (reading buffers it, which sets a length).</summary>
    private sealed class LengthRecordingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public long? ContentLength { get; private set; }

        public bool? Chunked { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            ContentLength = request.Content?.Headers.ContentLength;
            Chunked = request.Headers.TransferEncodingChunked;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
