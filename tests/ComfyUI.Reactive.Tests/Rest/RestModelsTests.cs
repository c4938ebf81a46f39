using System.Text.Json;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Rest;

namespace ComfyUI.Reactive.Tests.Rest;

/// <summary>The DTOs read every answer a real ComfyUI 0.3.64 sent (Fixtures/rest), and tolerate what newer servers add.</summary>
public sealed class RestModelsTests
{
    private static readonly ComfyRestJsonContext Json = ComfyRestJsonContext.Default;

    private static T Read<T>(string text, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(text, type)!;

    public static TheoryData<string> PromptAnswers() => [.. RestFixtures.Names("prompt-post-*.json")];

    public static TheoryData<string> HistoryAnswers() => [.. RestFixtures.Names("history-*.json").Where(n => n != "history-status-only-interrupted.json")];

    public static TheoryData<string> UploadAnswers() => [.. RestFixtures.Names("upload-*.json")];

    [Theory]
    [MemberData(nameof(PromptAnswers))]
    public void PromptResponse_RecordedAnswer_ReadsIdNumberAndNoErrors(string fixture)
    {
        var text = RestFixtures.Read(fixture);
        var expected = JsonDocument.Parse(text).RootElement;

        var response = Read(text, Json.PromptResponse);

        Assert.Equal(expected.GetProperty("prompt_id").GetString(), response.PromptId);
        Assert.Equal(expected.GetProperty("number").GetDouble(), response.Number);
        Assert.False(response.HasNodeErrors);
    }

    [Fact]
    public void PromptResponse_FrontQueued_ReadsNegativeNumber()
    {
        Assert.Equal(-28, Read(RestFixtures.Read("prompt-post-s11.json"), Json.PromptResponse).Number);
    }

    [Fact]
    public void PromptResponse_ClientNumberEchoedAsFloat_ReadsDouble()
    {
        var response = Read("""{"prompt_id":"p","number":5.5,"node_errors":{}}""", Json.PromptResponse);
        Assert.Equal(5.5, response.Number);
    }

    [Fact]
    public void PromptResponse_NodeErrorsOn200_AreVisible()
    {
        // A 200 whose node_errors is the recorded 400's: some outputs were dropped, the prompt still ran.
        var errors = JsonDocument.Parse(RestFixtures.Read("validation-bad_combo_value.json")).RootElement.GetProperty("node_errors").GetRawText();
        var response = Read($$"""{"prompt_id":"p","number":1,"node_errors":{{errors}}}""", Json.PromptResponse);

        Assert.True(response.HasNodeErrors);
        var node = response.NodeErrors["2"];
        Assert.Equal("2", node.NodeId);
        Assert.Equal("ImageScale", node.ClassType);
        Assert.Equal(["3"], node.DependentOutputs);
        Assert.Equal("value_not_in_list", Assert.Single(node.Errors).Type);
    }

    [Fact]
    public void QueueStatus_RecordedAnswers_ReadQueueRemaining()
    {
        Assert.Equal(0, Read(RestFixtures.Read("prompt-get-idle.json"), Json.QueueStatus).QueueRemaining);
        Assert.Equal(3, Read(RestFixtures.Read("prompt-get-busy.json"), Json.QueueStatus).QueueRemaining);
    }

    [Fact]
    public void QueueState_Empty_ReadsEmptyLists()
    {
        var queue = Read(RestFixtures.Read("queue-empty.json"), Json.QueueState);
        Assert.Empty(queue.Running);
        Assert.Empty(queue.Pending);
    }

    [Fact]
    public void QueueState_Running_ReadsTheFiveElementItem()
    {
        var item = Assert.Single(Read(RestFixtures.Read("queue-running.json"), Json.QueueState).Running);

        Assert.Equal(22, item.Number);
        Assert.Equal("5c326099-51ac-40f8-97ed-b13f9b356fad", item.PromptId);
        Assert.Equal("sdk-interrupt-85af5f", item.ClientId);
        Assert.Equal(["8"], item.OutputsToExecute);
        Assert.Equal(JsonValueKind.Array, item.Raw.ValueKind);
    }

    [Fact]
    public void QueueState_UnsortedPending_SortsByNumberThenPromptId()
    {
        var queue = Read(RestFixtures.Read("queue-busy.json"), Json.QueueState);
        Assert.Equal(["8548b5e9-d7b4-4583-8b08-d00e8d45b7d3", "a3cd156b-73ac-4e2e-8155-4ae808ef2e90"], queue.Pending.Select(p => p.PromptId));

        var ties = Read("""{"queue_running":[],"queue_pending":[[5,"b",{},{},[]],[2,"z",{},{},[]],[5,"a",{},{},[]]]}""", Json.QueueState);
        Assert.Equal(["z", "a", "b"], ties.Pending.Select(p => p.PromptId));
    }

    [Fact]
    public void QueueItem_CloudOrder_TellsOutputsFromMetadataByShape()
    {
        var queue = Read("""{"queue_running":[[1.5,"p",{"1":{}},["9"],{"client_id":"c"}]],"queue_pending":[]}""", Json.QueueState);

        var item = Assert.Single(queue.Running);
        Assert.Equal(1.5, item.Number);
        Assert.Equal(["9"], item.OutputsToExecute);
        Assert.Equal("c", item.ClientId);
    }

    [Fact]
    public void QueueItem_ExtraElements_AreIgnored()
    {
        var queue = Read("""{"queue_running":[],"queue_pending":[[1,"p",{},{"client_id":"c"},["9"],{"secret":"hidden"}]]}""", Json.QueueState);
        Assert.Equal(["9"], Assert.Single(queue.Pending).OutputsToExecute);
    }

    [Theory]
    [MemberData(nameof(HistoryAnswers))]
    public void HistoryEntry_RecordedAnswer_ReadsPromptStatusOutputsAndMeta(string fixture)
    {
        var text = RestFixtures.Read(fixture);
        var raw = JsonDocument.Parse(text).RootElement;

        var history = Read(text, Json.DictionaryStringHistoryEntry);

        Assert.Equal(raw.EnumerateObject().Select(p => p.Name), history.Keys);
        foreach (var (id, entry) in history)
        {
            var expected = raw.GetProperty(id);
            Assert.Equal(id, entry.PromptId);
            Assert.Equal(expected.GetProperty("prompt")[0].GetDouble(), entry.Prompt!.Number);
            Assert.Equal(expected.GetProperty("outputs").EnumerateObject().Select(p => p.Name), entry.Outputs.Keys);
            Assert.Equal(expected.GetProperty("meta").EnumerateObject().Select(p => p.Name), entry.Meta.Keys);
            Assert.Equal(expected.GetProperty("status").GetProperty("status_str").GetString(), entry.Status!.StatusStr);
            Assert.Equal(
                expected.GetProperty("status").GetProperty("messages").EnumerateArray().Select(m => m[0].GetString()),
                entry.Status.Messages.Select(m => m.Name));
        }
    }

    [Fact]
    public void HistoryEntry_BasicRun_ReadsImagesAndMeta()
    {
        var entry = Read(RestFixtures.Read("history-basic.json"), Json.DictionaryStringHistoryEntry).Values.Single();

        Assert.True(entry.Status!.IsSuccess);
        Assert.True(entry.Status.Completed);
        Assert.Equal("sdk_basic_00001_.png", Assert.Single(entry.Outputs["3"].Images).Filename);
        Assert.Equal("temp", Assert.Single(entry.Outputs["4"].Images).Type);
        Assert.Equal("3", entry.Meta["3"].RealNodeId);
        Assert.Equal("3", entry.Meta["3"].DisplayNode);
        Assert.Null(entry.Meta["3"].ParentNode);
        Assert.Equal("sdk-client-a-370aad71", entry.Prompt!.ClientId);
        Assert.Equal(JsonValueKind.Object, entry.Prompt.Prompt.ValueKind);
    }

    [Fact]
    public void HistoryEntry_Pipeline_ReadsBatchOfImagesInSubfolder()
    {
        var entry = Read(RestFixtures.Read("history-pipeline.json"), Json.DictionaryStringHistoryEntry).Values.Single();
        Assert.Equal(["scaled_00001_.png", "scaled_00002_.png"], entry.Outputs["5"].Images.Select(i => i.Filename));
        Assert.All(entry.Outputs["5"].Images, i => Assert.Equal("sdk_pipeline", i.Subfolder));
    }

    [Fact]
    public void HistoryEntry_TextOutput_ReadsText()
    {
        var entry = Read(RestFixtures.Read("history-text.json"), Json.DictionaryStringHistoryEntry).Values.Single();
        Assert.Equal(["Hello, ComfyUI"], entry.Outputs["2"].Text);
    }

    [Fact]
    public void HistoryEntry_RuntimeError_ExposesTheExecutionError()
    {
        var entry = Read(RestFixtures.Read("history-runtime-error.json"), Json.DictionaryStringHistoryEntry).Values.Single();

        Assert.False(entry.Status!.IsSuccess);
        Assert.False(entry.Status.Completed);
        Assert.False(entry.Status.IsInterrupted);
        Assert.Equal("RuntimeError", entry.Status.ExecutionError?.GetProperty("exception_type").GetString());
        Assert.Empty(entry.Outputs);
    }

    [Fact]
    public void HistoryEntry_Interrupted_IsErrorAndInterrupted()
    {
        var entry = Read(RestFixtures.Read("history-interrupted.json"), Json.DictionaryStringHistoryEntry).Values.Single();
        Assert.Equal("error", entry.Status!.StatusStr);
        Assert.True(entry.Status.IsInterrupted);
        Assert.Null(entry.Status.ExecutionError);
    }

    [Fact]
    public void HistoryStatus_MessagesArePairs_KeepNameAndData()
    {
        var status = JsonDocument.Parse(RestFixtures.Read("history-status-only-interrupted.json"))
            .RootElement.EnumerateObject().Single().Value.Deserialize(Json.HistoryStatus)!;

        var interrupted = status.Messages[^1];
        Assert.Equal("execution_interrupted", interrupted.Name);
        Assert.Equal("SdkTestSlowProgress", interrupted.Data.GetProperty("node_type").GetString());
        Assert.True(status.IsInterrupted);
    }

    [Fact]
    public void ObjectInfo_FullRecordedAnswer_ReadsEveryNode()
    {
        var text = RestFixtures.Read("object_info.json");
        var expectedCount = JsonDocument.Parse(text).RootElement.EnumerateObject().Count();

        var nodes = Read(text, Json.DictionaryStringNodeInfo);

        Assert.Equal(expectedCount, nodes.Count);
        Assert.All(nodes, pair => Assert.Equal(pair.Key, pair.Value.Name));
        Assert.All(nodes.Values, node => Assert.Equal(node.Output.Count, node.OutputIsList.Count));
        Assert.Contains(nodes.Values, node => node.OutputNode);
        Assert.Contains(nodes.Values, node => node.ApiNode || node.Experimental || node.Deprecated || node.DisplayName is null);
    }

    [Fact]
    public void ObjectInfo_EmptyImage_ReadsIntSpecsWithOptions()
    {
        var node = Read(RestFixtures.Read("object_info-EmptyImage.json"), Json.DictionaryStringNodeInfo)["EmptyImage"];

        var width = node.Input.Required["width"];
        Assert.Equal("INT", width.TypeName);
        Assert.False(width.IsCombo);
        Assert.Equal(512, width.Default?.GetInt32());
        Assert.Equal(1, width.Min);
        Assert.Equal(16384, width.Max);
        Assert.Equal("color", node.Input.Required["color"].Options?.GetProperty("display").GetString());
        Assert.Equal(["width", "height", "batch_size", "color"], node.InputOrder.Required);
        Assert.Equal(["IMAGE"], node.Output);
        Assert.Equal(["IMAGE"], node.OutputName);
        Assert.Equal([false], node.OutputIsList);
        Assert.Equal("image", node.Category);
        Assert.Equal("nodes", node.PythonModule);
        Assert.False(node.OutputNode);
    }

    [Fact]
    public void ObjectInfo_LegacyCombo_ReadsOptionsFromTheList()
    {
        var scale = Read(RestFixtures.Read("object_info-ImageScale.json"), Json.DictionaryStringNodeInfo)["ImageScale"];
        var method = scale.Input.Required["upscale_method"];
        Assert.True(method.IsCombo);
        Assert.Equal("COMBO", method.TypeName);
        Assert.Equal(["nearest-exact", "bilinear", "area", "bicubic", "lanczos"], method.ComboOptions);
        Assert.Null(method.Options);
        Assert.Equal("IMAGE", scale.Input.Required["image"].TypeName);

        var empty = Read(RestFixtures.Read("object_info-LoadImage.json"), Json.DictionaryStringNodeInfo)["LoadImage"].Input.Required["image"];
        Assert.True(empty.IsCombo);
        Assert.Empty(empty.ComboOptions!);
        Assert.True(empty.Options?.GetProperty("image_upload").GetBoolean());

        var filled = Read(RestFixtures.Read("object_info-LoadImage-after-upload.json"), Json.DictionaryStringNodeInfo)["LoadImage"].Input.Required["image"];
        Assert.Equal(["sdk_upload_test (1).png", "sdk_upload_test.png"], filled.ComboOptions);
    }

    [Fact]
    public void ObjectInfo_V3Combo_ReadsOptionsFromOptionsObject()
    {
        var nodes = Read(RestFixtures.Read("object_info.json"), Json.DictionaryStringNodeInfo);
        var dim = nodes["LatentConcat"].Input.Required["dim"];
        Assert.Equal("COMBO", dim.TypeName);
        Assert.Equal(["x", "-x", "y", "-y", "t", "-t"], dim.ComboOptions);
    }

    [Fact]
    public void ObjectInfo_HiddenBareStringSpecs_ReadTypeName()
    {
        var save = Read(RestFixtures.Read("object_info-SaveImage.json"), Json.DictionaryStringNodeInfo)["SaveImage"];
        Assert.Equal("PROMPT", save.Input.Hidden["prompt"].TypeName);
        Assert.Equal("EXTRA_PNGINFO", save.Input.Find("extra_pnginfo")?.TypeName);
        Assert.Equal("The images to save.", save.Input.Required["images"].Tooltip);
        Assert.True(save.OutputNode);
        Assert.Empty(save.Output);
        Assert.Empty(save.Input.Optional);
    }

    [Fact]
    public void ObjectInfo_NullDisplayNameAndTooltips_AreNull()
    {
        var blur = Read(RestFixtures.Read("object_info-ImageBlur.json"), Json.DictionaryStringNodeInfo)["ImageBlur"];
        Assert.Null(blur.DisplayName);
        Assert.Equal([null], blur.OutputTooltips);
        Assert.False(blur.Deprecated);
        Assert.Equal(0.1, blur.Input.Required["sigma"].Min);
    }

    [Fact]
    public void ObjectInfo_PreviewAnyWildcard_ReadsStar()
    {
        var any = Read(RestFixtures.Read("object_info-PreviewAny.json"), Json.DictionaryStringNodeInfo)["PreviewAny"];
        Assert.Equal("*", any.Input.Required["source"].TypeName);
    }

    [Fact]
    public void ObjectInfo_NewerKeysAndOddValues_AreToleratedAndRead()
    {
        var node = Read(
            """
            {"X":{"input":{"required":{"a":["IMAGE,MASK",{"forceInput":true}],"b":["COMBO",{"options":[1,2]}]}},
                  "output":[["a","b"],"LATENT"],"output_is_list":[false,false],"output_name":null,
                  "name":"X","output_node":true,"dev_only":true,"is_input_list":true,"has_intermediate_output":true,
                  "search_aliases":["y"],"essentials_category":"basics","price_badge":{"a":1},"output_matchtypes":null,
                  "brand_new_key":{"nested":[1,2,3]}}}
            """,
            Json.DictionaryStringNodeInfo)["X"];

        Assert.Equal("IMAGE,MASK", node.Input.Required["a"].TypeName);
        Assert.Equal(["1", "2"], node.Input.Required["b"].ComboOptions);
        Assert.Equal(["[\"a\",\"b\"]", "LATENT"], node.Output);
        Assert.Empty(node.OutputName);
        Assert.True(node.DevOnly);
        Assert.True(node.IsInputList);
        Assert.True(node.HasIntermediateOutput);
        Assert.Equal(["y"], node.SearchAliases);
        Assert.Equal("basics", node.EssentialsCategory);
    }

    [Theory]
    [InlineData("system_stats.json")]
    [InlineData("system_stats-transcript.json")]
    public void SystemStats_RecordedAnswer_ReadsSystemAndDevices(string fixture)
    {
        var stats = Read(RestFixtures.Read(fixture), Json.SystemStats);

        Assert.Equal("posix", stats.System.Os);
        Assert.Equal("0.3.64", stats.System.ComfyUIVersion);
        Assert.Equal(25276502016, stats.System.RamTotal);
        Assert.True(stats.System.RamFree > 0);
        Assert.Equal("1.27.10", stats.System.RequiredFrontendVersion);
        Assert.Equal("1.13.0a0", stats.System.PyTorchVersion);
        Assert.Contains("--cpu", stats.System.Argv);
        Assert.False(stats.System.EmbeddedPython);
        var device = Assert.Single(stats.Devices);
        Assert.Equal("cpu", device.Name);
        Assert.Equal("cpu", device.Type);
        Assert.Null(device.Index);
        Assert.Equal(25276502016, device.VramTotal);
        Assert.Equal(25276502016, device.TorchVramTotal);
    }

    [Fact]
    public void SystemStats_NewerServer_ReadsNewKeysAndFloatNumbers()
    {
        var stats = Read(
            """
            {"system":{"os":"linux","ram_total":1.0E10,"ram_free":"5","comfyui_version":"0.26.0","deploy_environment":"local-git",
                       "comfy_package_versions":[{"name":"comfyui-frontend-package","installed":"1.45.19","required":"1.45.19"}],"future":1},
             "devices":[{"name":"cuda:0","type":"cuda","index":0,"vram_total":8.0,"vram_free":4},{"name":"cuda:1","type":"cuda","index":1}]}
            """,
            Json.SystemStats);

        Assert.Equal(10_000_000_000, stats.System.RamTotal);
        Assert.Equal(5, stats.System.RamFree);
        Assert.Equal("local-git", stats.System.DeployEnvironment);
        Assert.Equal("1.45.19", Assert.Single(stats.System.ComfyPackageVersions).Installed);
        Assert.Equal(2, stats.Devices.Count);
        Assert.Equal(0, stats.Devices[0].Index);
        Assert.Equal(8, stats.Devices[0].VramTotal);
    }

    [Fact]
    public void ServerFeatures_RecordedAnswer_ReadsFlags()
    {
        var features = Read(RestFixtures.Read("features.json"), Json.ServerFeatures);
        Assert.True(features.SupportsPreviewMetadata);
        Assert.Equal(104857600, features.MaxUploadSize);
        Assert.False(features.Assets);
        Assert.Equal(2, features.Values.Count);
    }

    [Fact]
    public void ServerFeatures_NewerServer_KeepsEveryFlag()
    {
        var features = Read(
            """{"supports_preview_metadata":true,"max_upload_size":104857600.0,"extension":{"manager":{"supports_v4":true}},"node_replacements":true,"assets":false,"show_signin_button":true}""",
            Json.ServerFeatures);

        Assert.Equal(104857600.0, features.MaxUploadSize);
        Assert.True(features.NodeReplacements);
        Assert.True(features.Flag("show_signin_button"));
        Assert.True(features.Values["extension"].GetProperty("manager").GetProperty("supports_v4").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(UploadAnswers))]
    public void UploadResult_RecordedAnswer_ReadsNameSubfolderType(string fixture)
    {
        var text = RestFixtures.Read(fixture);
        var raw = JsonDocument.Parse(text).RootElement;

        var result = Read(text, Json.UploadResult);

        Assert.Equal(raw.GetProperty("name").GetString(), result.Name);
        Assert.Equal(raw.GetProperty("subfolder").GetString(), result.Subfolder);
        Assert.Equal("input", result.Type);
        Assert.Equal(new ComfyFileReference(result.Name, result.Subfolder, "input"), result.ToFileReference());
    }

    [Fact]
    public void UploadResult_Renamed_KeepsTheServersName()
    {
        Assert.Equal("sdk_upload_test (1).png", Read(RestFixtures.Read("upload-renamed.json"), Json.UploadResult).WorkflowValue);
    }

    [Fact]
    public void UploadResult_WithAsset_KeepsAsset()
    {
        var result = Read("""{"name":"a.png","subfolder":"","type":"input","asset":{"id":"x","size":3}}""", Json.UploadResult);
        Assert.Equal("x", result.Asset?.GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("""["workflows/a.json"]""", "workflows/a.json", null, null)]
    [InlineData("""[["workflows/a.json","workflows","a.json"]]""", "workflows/a.json", null, null)]
    [InlineData("""[{"path":"a.json","size":12,"modified":1795617380510,"created":1795617380000}]""", "a.json", 12L, 1795617380510d)]
    [InlineData("""[{"path":"a.json","size":12,"modified":1795617380.51,"created":1795617380.0}]""", "a.json", 12L, 1795617380.51d)]
    public void UserDataFile_EveryV1Shape_ReadsPath(string json, string path, long? size, double? modified)
    {
        var file = Assert.Single(Read(json, Json.ListUserDataFile));
        Assert.Equal(path, file.Path);
        Assert.Equal(size, file.Size);
        Assert.Equal(modified, file.Modified);
    }

    [Fact]
    public void UserDataFile_Split_ReadsSegments()
    {
        var file = Assert.Single(Read("""[["workflows/sub/a.json","workflows","sub","a.json"]]""", Json.ListUserDataFile));
        Assert.Equal(["workflows", "sub", "a.json"], file.Segments);
    }

    [Fact]
    public void UserDataFile_MillisecondsAndSeconds_GiveTheSameTime()
    {
        var files = Read(
            """[{"path":"a","modified":1795617380510},{"path":"b","modified":1795617380.51}]""", Json.ListUserDataFile);
        var expected = DateTimeOffset.FromUnixTimeMilliseconds(1795617380510);
        Assert.Equal(expected, files[0].ModifiedAt);
        Assert.Equal(expected, files[1].ModifiedAt);
    }

    [Fact]
    public void UserDataItem_V2Listing_ReadsFilesAndDirectories()
    {
        var items = Read(
            """[{"name":"sub","path":"workflows/sub","type":"directory"},{"name":"a.json","path":"workflows/a.json","type":"file","size":7,"modified":1795617380.5,"extra":1}]""",
            Json.ListUserDataItem);

        Assert.True(items[0].IsDirectory);
        Assert.Null(items[0].Size);
        Assert.False(items[1].IsDirectory);
        Assert.Equal(7, items[1].Size);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1795617380500), items[1].ModifiedAt);
    }

    [Fact]
    public void UsersInfo_MultiUser_ReadsUsers()
    {
        var users = Read("""{"storage":"server","users":{"alice_1":"alice"}}""", Json.UsersInfo);
        Assert.True(users.IsMultiUser);
        Assert.Equal("alice", users.Users!["alice_1"]);
        Assert.Null(users.Migrated);
    }

    [Fact]
    public void JobsPage_ListAnswer_ReadsJobsAndPagination()
    {
        var page = Read(
            """
            {"jobs":[{"id":"a","status":"completed","priority":3,"create_time":1795617380510,"outputs_count":1,"workflow_id":"wf",
                      "execution_start_time":1795617380511,"execution_end_time":1795617380600,
                      "preview_output":{"filename":"x.png","subfolder":"","type":"output","nodeId":"9","mediaType":"images"}},
                     {"id":"b","status":"pending","priority":4.0,"create_time":1795617380700,"outputs_count":0,"new_key":true}],
             "pagination":{"offset":0,"limit":null,"total":2,"has_more":false}}
            """,
            Json.JobsPage);

        Assert.Equal(2, page.Jobs.Count);
        Assert.Equal(JobStatus.Completed, page.Jobs[0].Status);
        Assert.Equal(3, page.Jobs[0].Priority);
        Assert.Equal(89, page.Jobs[0].ExecutionEndTime - page.Jobs[0].ExecutionStartTime);
        Assert.Equal("9", page.Jobs[0].PreviewOutput?.GetProperty("nodeId").GetString());
        Assert.Null(page.Jobs[1].WorkflowId);
        Assert.Null(page.Pagination.Limit);
        Assert.Equal(2, page.Pagination.Total);
        Assert.False(page.Pagination.HasMore);
    }

    [Fact]
    public void JobEntry_Detail_ReadsOutputsStatusAndWorkflow()
    {
        var history = JsonDocument.Parse(RestFixtures.Read("history-basic.json")).RootElement.EnumerateObject().Single().Value;
        var job = Read(
            "{\"id\":\"8248c8f1-47af-4b62-b274-5f540f8929e9\",\"status\":\"completed\",\"outputs\":" + history.GetProperty("outputs").GetRawText()
                + ",\"execution_status\":" + history.GetProperty("status").GetRawText()
                + ",\"workflow\":{\"prompt\":{},\"extra_data\":{}}}",
            Json.JobEntry);

        Assert.Equal("sdk_basic_00001_.png", job.Outputs!["3"].Images[0].Filename);
        Assert.True(job.ExecutionStatus!.IsSuccess);
        Assert.Equal(JsonValueKind.Object, job.Workflow?.GetProperty("prompt").ValueKind);
    }

    [Fact]
    public void UnknownFields_EverywhereInAnswers_AreIgnored()
    {
        var response = Read("""{"prompt_id":"p","number":1,"node_errors":{},"new":{"a":[1]}}""", Json.PromptResponse);
        var status = Read("""{"exec_info":{"queue_remaining":2,"other":1},"extra":true}""", Json.QueueStatus);
        var queue = Read("""{"queue_running":[],"queue_pending":[],"queue_paused":true}""", Json.QueueState);
        var history = Read(
            """{"p":{"prompt":[1,"p",{},{},[]],"outputs":{"9":{"images":[],"custom":1}},"status":{"status_str":"success","completed":true,"messages":[],"x":1},"meta":{},"extra":[]}}""",
            Json.DictionaryStringHistoryEntry);
        var upload = Read("""{"name":"a.png","subfolder":"","type":"input","hash":"abc"}""", Json.UploadResult);

        Assert.Equal("p", response.PromptId);
        Assert.Equal(2, status.QueueRemaining);
        Assert.Empty(queue.Pending);
        Assert.True(history["p"].Status!.IsSuccess);
        Assert.Equal("a.png", upload.Name);
    }

    [Theory]
    [InlineData("embeddings.json", 0)]
    [InlineData("extensions.json", 0)]
    [InlineData("models.json", 20)]
    [InlineData("models-checkpoints.json", 0)]
    public void StringLists_RecordedAnswers_Read(string fixture, int count)
    {
        Assert.Equal(count, Read(RestFixtures.Read(fixture), Json.ListString).Count);
    }
}
