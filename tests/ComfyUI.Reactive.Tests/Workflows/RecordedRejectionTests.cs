using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Tests.Workflows;

/// <summary>Every invalid workflow is rejected client-side exactly as the real server's recorded 400 body says.</summary>
public class RecordedRejectionTests
{
    public static TheoryData<string> Invalid() => [.. WorkflowFixtures.InvalidNames()];

    public static TheoryData<string> Valid() => [.. WorkflowFixtures.ValidNames()];

    [Fact]
    public void Fixtures_EveryInvalidWorkflowHasARecordedBody()
    {
        Assert.Equal(9, WorkflowFixtures.InvalidNames().Count());
        foreach (var name in WorkflowFixtures.InvalidNames())
        {
            Assert.NotEmpty(WorkflowFixtures.Recorded(name).Error.Type);
        }
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_RecordedInvalidWorkflow_SameErrorAsServer(string name)
    {
        var workflow = WorkflowFixtures.Load("invalid/" + name);
        var (error, nodeErrors) = WorkflowFixtures.Recorded(name);

        var result = workflow.Validate(WorkflowFixtures.Catalog);

        Assert.False(result.IsValid);
        Assert.Equal(error.Type, result.Error!.Type);
        Assert.Equal(error.Message, result.Error.Message);
        Assert.Equal(error.Details, result.Error.Details);
        Assert.Equal(nodeErrors.Keys.Order(), result.NodeErrors.Keys.Order());
        foreach (var (id, expected) in nodeErrors)
        {
            var actual = result.NodeErrors[id];
            Assert.Equal(expected.ClassType, actual.ClassType);
            Assert.Equal(expected.DependentOutputs, actual.DependentOutputs);

            // The server iterates a node's inputs as a Python set, so the order of several errors is arbitrary.
            Assert.Equal(Canonical(expected.Errors), Canonical(actual.Errors));
        }
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void EnsureValid_RecordedInvalidWorkflow_ThrowsThePromptValidationExceptionTheServerWouldCause(string name)
    {
        var (error, nodeErrors) = WorkflowFixtures.Recorded(name);

        var ex = Assert.Throws<ComfyPromptValidationException>(() => WorkflowFixtures.Load("invalid/" + name).EnsureValid(WorkflowFixtures.Catalog));

        Assert.Equal(error.Type, ex.Error.Type);
        Assert.Equal(nodeErrors.Keys.Order(), ex.NodeErrors.Keys.Order());
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Null(ex.RequestUri);
        var body = JsonNode.Parse(ex.ResponseBody!)!;
        Assert.Equal(error.Type, (string?)body["error"]!["type"]);
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public void Validate_RecordedValidWorkflow_Passes(string name)
    {
        // The recorded object_info came from a server without models and before the upload of section 5, so the
        // catalog gets what those runs had: the SD 1.5 checkpoint (emulated) and the uploaded test image.
        var catalog = WorkflowFixtures.Catalog
            .WithComboOptions("CheckpointLoaderSimple", "ckpt_name", ["v1-5-pruned-emaonly.safetensors"])
            .WithComboOptions("LoadImage", "image", ["sdk_upload_test.png"]);

        var result = WorkflowFixtures.Load(name).Validate(catalog);

        Assert.True(result.IsValid, result.ToResponseJson());
        Assert.Empty(result.NodeErrors);
        Assert.Equal(result.Outputs, result.ValidOutputs);
    }

    [Fact]
    public void Validate_Txt2ImgOnTheRecordedServer_FailsBecauseTheCheckpointIsMissing()
    {
        var result = WorkflowFixtures.Load("txt2img_sd15.json").Validate(WorkflowFixtures.Catalog);

        var node = Assert.Single(result.NodeErrors);
        Assert.Equal("4", node.Key);
        var error = Assert.Single(node.Value.Errors);
        Assert.Equal("value_not_in_list", error.Type);
        Assert.Equal("ckpt_name: 'v1-5-pruned-emaonly.safetensors' not in []", error.Details);
        Assert.Equal(["9"], node.Value.DependentOutputs);
    }

    [Fact]
    public void Validate_LoadImageWithTheAfterUploadSchema_Passes()
    {
        var loadImage = JsonSerializer.Deserialize(
            File.ReadAllText(Path.Combine(WorkflowFixtures.Root, "rest", "object_info-LoadImage-after-upload.json")),
            ComfyUI.Reactive.Rest.ComfyRestJsonContext.Default.DictionaryStringNodeInfo)!;
        var nodes = WorkflowFixtures.Catalog.Nodes.ToDictionary();
        nodes["LoadImage"] = loadImage["LoadImage"];

        Assert.True(WorkflowFixtures.Load("load_image_invert_save.json").Validate(new NodeSchemaCatalog(nodes)).IsValid);
        Assert.False(WorkflowFixtures.Load("load_image_invert_save.json").Validate(WorkflowFixtures.Catalog).IsValid);
    }

    private static List<string> Canonical(IEnumerable<PromptError> errors) =>
        [.. errors.Select(e => $"{e.Type}|{e.Message}|{e.Details}|{WithoutTraceback(e.ExtraInfo)}").Order()];

    // Tracebacks are the server's Python stack; the client reports an empty one.
    private static string WithoutTraceback(JsonElement extra)
    {
        var node = JsonNode.Parse(extra.GetRawText())!.AsObject();
        node.Remove("traceback");
        return node.ToJsonString();
    }
}
