using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ComfyUI.Reactive.Emulator;

namespace ComfyUI.Reactive.IntegrationTests.Emulator;

/// <summary><c>POST /users</c>, <c>/v2/userdata</c>, <c>/view_metadata</c> and the jobs API's history fields, over raw HttpClient.</summary>
public sealed class UsersMetadataJobsTests : IAsyncLifetime, IDisposable
{
    private const string Checkpoint = "v1-5-pruned-emaonly.safetensors";
    private ComfyEmulator emulator = null!;
    private HttpClient http = null!;

    public async Task InitializeAsync()
    {
        emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions
        {
            Checkpoints = [Checkpoint, "bare.safetensors"],
            CheckpointMetadata = new Dictionary<string, IReadOnlyDictionary<string, string>>
            {
                [Checkpoint] = new Dictionary<string, string> { ["format"] = "pt", ["modelspec.title"] = "SD 1.5" },
            },
        });
        http = new HttpClient { BaseAddress = emulator.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await emulator.DisposeAsync();
    }

    public void Dispose() => http?.Dispose();

    [Fact]
    public async Task PostUsers_NewName_ReturnsSanitisedIdAsJsonString()
    {
        var (status, body) = await Fixture.PostJsonAsync(http, "/users", """{"username": "Alice Smith!"}""");
        Assert.Equal(200, status);
        var id = JsonNode.Parse(body)!.GetValue<string>();
        Assert.Matches(new Regex("^Alice-Smith-_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"), id);
    }

    [Theory]
    [InlineData("default", "Duplicate username.")]
    [InlineData("   ", "username not provided")]
    [InlineData("__system", "System User prefix not allowed")]
    public async Task PostUsers_RejectedName_Returns400WithError(string name, string error)
    {
        var (status, body) = await Fixture.PostJsonAsync(http, "/api/users", new JsonObject { ["username"] = name }.ToJsonString());
        Assert.Equal(400, status);
        Assert.Equal(error, JsonNode.Parse(body)!["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task PostUsers_SameNameTwiceOrNoUsername_DuplicateThen500()
    {
        Assert.Equal(200, (await Fixture.PostJsonAsync(http, "/users", """{"username": "bob"}""")).Status);
        Assert.Equal((400, """{"error":"Duplicate username."}"""), await Fixture.PostJsonAsync(http, "/users", """{"username": "bob"}"""));
        Assert.Equal(500, (await Fixture.PostJsonAsync(http, "/users", "{}")).Status);
        Assert.Equal(500, (await Fixture.PostJsonAsync(http, "/users", "not json")).Status);
    }

    [Fact]
    public async Task UserDataV2_Tree_ListsEverythingBelowDirectoriesFirstByName()
    {
        Assert.Equal("[]", await http.GetStringAsync("/v2/userdata"));
        foreach (var (file, content) in new[] { ("workflows%2Fb.json", "{}"), ("workflows%2Fsub%2FA.json", "[1]"), ("Zeta.txt", "zeta") })
        {
            using var response = await http.PostAsync("/userdata/" + file, new StringContent(content, Encoding.UTF8));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var all = (await Fixture.GetJsonAsync(http, "/api/v2/userdata")).AsArray();
        Assert.Equal(
            ["directory sub workflows/sub", "directory workflows workflows", "file A.json workflows/sub/A.json", "file b.json workflows/b.json", "file Zeta.txt Zeta.txt"],
            all.Select(e => $"{e!["type"]} {e["name"]} {e["path"]}"));
        var zeta = all[4]!.AsObject();
        Assert.Equal(4, zeta["size"]!.GetValue<int>());
        Assert.InRange(zeta["modified"]!.GetValue<double>(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 60);
        Assert.False(all[0]!.AsObject().ContainsKey("size"));

        var sub = (await Fixture.GetJsonAsync(http, "/v2/userdata?path=workflows")).AsArray();
        Assert.Equal(["workflows/sub", "workflows/sub/A.json", "workflows/b.json"], sub.Select(e => e!["path"]!.GetValue<string>()));
        Assert.Equal(["workflows/sub/A.json"], (await Fixture.GetJsonAsync(http, "/v2/userdata?path=workflows%252Fsub")).AsArray().Select(e => e!["path"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("../etc", HttpStatusCode.BadRequest, "Invalid path requested")]
    [InlineData("/etc", HttpStatusCode.BadRequest, "Invalid path requested")]
    [InlineData("missing", HttpStatusCode.NotFound, "Requested path not found")]
    [InlineData("note.txt", HttpStatusCode.BadRequest, "Requested path is not a directory")]
    public async Task UserDataV2_BadPath_ReturnsTextError(string path, HttpStatusCode expected, string text)
    {
        using (var post = await http.PostAsync("/userdata/note.txt", new StringContent("x")))
        {
            Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        }

        using var response = await http.GetAsync("/v2/userdata?path=" + Uri.EscapeDataString(path));
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(text, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ViewMetadata_CheckpointWithMetadata_ReturnsMetadataObject()
    {
        var metadata = await Fixture.GetJsonAsync(http, "/api/view_metadata/checkpoints?filename=" + Checkpoint);
        Assert.Equal("""{"format":"pt","modelspec.title":"SD 1.5"}""", metadata.ToJsonString());
    }

    [Theory]
    [InlineData("/view_metadata/checkpoints?filename=bare.safetensors")]
    [InlineData("/view_metadata/checkpoints?filename=other.safetensors")]
    [InlineData("/view_metadata/checkpoints?filename=model.ckpt")]
    [InlineData("/view_metadata/checkpoints")]
    [InlineData("/view_metadata/loras?filename=" + Checkpoint)]
    public async Task ViewMetadata_NoMetadata_ReturnsEmpty404(string path)
    {
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Jobs_FinishedImages_HavePreviewOutputCountAndWorkflowId()
    {
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "jobs", featureFlags: false);
        var id = await Fixture.SubmitAsync(http, Fixture.Workflow("basic_empty_invert_save"), "jobs", WithWorkflowId("wf-1"));
        await c.WaitForDoneAsync(id);

        var job = (await Fixture.GetJsonAsync(http, "/api/jobs/" + id)).AsObject();
        Assert.Equal("wf-1", job["workflow_id"]!.GetValue<string>());
        Assert.Equal(2, job["outputs_count"]!.GetValue<int>());
        var preview = job["preview_output"]!.AsObject();
        Assert.Equal("output", preview["type"]!.GetValue<string>());
        Assert.Equal("3", preview["nodeId"]!.GetValue<string>());
        Assert.Equal("images", preview["mediaType"]!.GetValue<string>());
        Assert.Equal(job["outputs"]!["3"]!["images"]![0]!["filename"]!.GetValue<string>(), preview["filename"]!.GetValue<string>());
        Assert.False(job.ContainsKey("execution_error"));
        Assert.True(job["execution_end_time"]!.GetValue<long>() >= job["execution_start_time"]!.GetValue<long>());
        Assert.Equal(
            ["id", "status", "priority", "create_time", "execution_start_time", "execution_end_time", "outputs_count", "preview_output", "workflow_id", "outputs", "execution_status", "workflow"],
            job.Select(p => p.Key));

        Assert.Equal(1, (await Fixture.GetJsonAsync(http, "/api/jobs?workflow_id=wf-1"))["pagination"]!["total"]!.GetValue<int>());
        Assert.Equal(0, (await Fixture.GetJsonAsync(http, "/api/jobs?workflow_id=wf-2"))["pagination"]!["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Jobs_TextOnlyOutput_CountsNoItemsAndHasNoPreview()
    {
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "text", featureFlags: false);
        var id = await Fixture.SubmitAsync(http, Fixture.Workflow("text_preview_any"), "text");
        await c.WaitForDoneAsync(id);

        var entry = (await Fixture.GetJsonAsync(http, "/api/jobs"))["jobs"]![0]!.AsObject();
        Assert.Equal(0, entry["outputs_count"]!.GetValue<int>());
        Assert.False(entry.ContainsKey("preview_output"));
        Assert.False(entry.ContainsKey("workflow_id"));
    }

    [Fact]
    public async Task Jobs_FailedRun_CarriesExecutionErrorMessage()
    {
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "fail", featureFlags: false);
        var id = await Fixture.SubmitAsync(http, Fixture.Workflow("runtime_error_channel_mismatch"), "fail");
        await c.WaitForDoneAsync(id);
        var sent = c.Seen.Single(f => f.Text is not null && f.Type == "execution_error").Data!;

        var entry = (await Fixture.GetJsonAsync(http, "/api/jobs?status=failed"))["jobs"]![0]!.AsObject();
        Assert.Equal("failed", entry["status"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(sent, entry["execution_error"]));
        Assert.Equal(sent["timestamp"]!.GetValue<long>(), entry["execution_end_time"]!.GetValue<long>());
    }

    [Fact]
    public async Task Jobs_PendingItem_HasWorkflowId()
    {
        emulator.Faults.PauseQueue();
        var id = await Fixture.SubmitAsync(http, Fixture.Workflow("text_preview_any"), null, WithWorkflowId("wf-pending"));
        var entry = (await Fixture.GetJsonAsync(http, "/api/jobs?status=pending"))["jobs"]![0]!.AsObject();
        Assert.Equal(id, entry["id"]!.GetValue<string>());
        Assert.Equal("wf-pending", entry["workflow_id"]!.GetValue<string>());
        Assert.Equal(["id", "status", "priority", "create_time", "outputs_count", "workflow_id"], entry.Select(p => p.Key));
    }

    private static Action<JsonObject> WithWorkflowId(string id) =>
        body => body["extra_data"] = new JsonObject { ["extra_pnginfo"] = new JsonObject { ["workflow"] = new JsonObject { ["id"] = id, ["nodes"] = new JsonArray() } } };
}
