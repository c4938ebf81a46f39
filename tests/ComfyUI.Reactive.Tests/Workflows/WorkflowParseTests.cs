using System.Text;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Tests.Workflows;

public class WorkflowParseTests
{
    public static TheoryData<string> All() => [.. WorkflowFixtures.ValidNames(), .. WorkflowFixtures.InvalidNames().Select(n => "invalid/" + n)];

    [Theory]
    [MemberData(nameof(All))]
    public void ToJson_ParsedFile_ReturnsTheTextExactly(string name)
    {
        var text = WorkflowFixtures.Text(name);

        var workflow = Workflow.Parse(text);

        Assert.Equal(text.Trim(), workflow.ToJson());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(text), JsonNode.Parse(workflow.ToJson())));
    }

    [Fact]
    public void ToJson_AfterAnEdit_KeepsKeyOrderMetaAndUnknownFields()
    {
        const string json = """{"b":{"class_type":"X","x_extra":{"k":[1,2]},"inputs":{"z":1,"a":"t"},"_meta":{"title":"T","color":"#f00"}},"a":{"inputs":{},"class_type":"Y"}}""";

        var edited = Workflow.Parse(json).Set("b.inputs.z", 2);

        Assert.Equal(
            """{"b":{"class_type":"X","x_extra":{"k":[1,2]},"inputs":{"z":2,"a":"t"},"_meta":{"title":"T","color":"#f00"}},"a":{"inputs":{},"class_type":"Y"}}""",
            edited.ToJson());
        Assert.Equal(["b", "a"], edited.NodeIds);
    }

    [Fact]
    public void Parse_StreamFileNodeAndString_ReadTheSameWorkflow()
    {
        var text = WorkflowFixtures.Text("txt2img_sd15.json");
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));

        var fromString = Workflow.Parse(text);
        var fromStream = Workflow.Parse(stream);
        var fromFile = Workflow.Load(WorkflowFixtures.Path_("txt2img_sd15.json"));
        var fromNode = Workflow.Parse(JsonNode.Parse(text)!);

        Assert.Equal(fromString.ToJson(), fromStream.ToJson());
        Assert.Equal(fromString.ToJson(), fromFile.ToJson());
        Assert.Equal(fromString.Hash, fromNode.Hash);
        Assert.Equal(7, fromNode.Count);
    }

    [Theory]
    [InlineData("no-such-workflow.json")]
    [InlineData("missing-dir/deeper/x.json")]
    public void Load_MissingFileOrFolder_ThrowsFileNotFoundNamingTheFullPath(string relative)
    {
        var path = Path.Combine(Path.GetTempPath(), "comfy-load-tests-" + Guid.NewGuid().ToString("N"), relative);

        var error = Assert.Throws<FileNotFoundException>(() => Workflow.Load(path));

        Assert.Equal(Path.GetFullPath(path), error.FileName);
        Assert.Contains(Path.GetFullPath(path), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-such-workflow.json")]
    [InlineData("missing-dir/deeper/x.json")]
    public void LoadWithCatalogAndFromImage_MissingFileOrFolder_ThrowFileNotFoundLikeLoad(string relative)
    {
        var path = Path.Combine(Path.GetTempPath(), "comfy-load-tests-" + Guid.NewGuid().ToString("N"), relative);
        var catalog = new NodeSchemaCatalog(new Dictionary<string, ComfyUI.Reactive.Models.NodeInfo>());

        Assert.Equal(Path.GetFullPath(path), Assert.Throws<FileNotFoundException>(() => Workflow.Load(path, catalog)).FileName);
        Assert.Equal(Path.GetFullPath(path + ".png"), Assert.Throws<FileNotFoundException>(() => Workflow.FromImage(path + ".png")).FileName);
    }

    [Fact]
    public async Task ParseAsync_Stream_ReadsTheWorkflow()
    {
        await using var stream = File.OpenRead(WorkflowFixtures.Path_("basic_empty_invert_save.json"));

        var workflow = await Workflow.ParseAsync(stream).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["1", "2", "3", "4"], workflow.NodeIds);
        Assert.Equal("EmptyImage (orange)", workflow.GetTitle("1"));
        Assert.Equal("ImageInvert", workflow.GetClassType("2"));
    }

    [Fact]
    public void Parse_EditorFormat_ThrowsSayingToExportTheApiFormat()
    {
        const string ui = """{"last_node_id":9,"last_link_id":9,"nodes":[{"id":3,"type":"KSampler","widgets_values":[1,"fixed",20]}],"links":[[1,4,0,3,0,"MODEL"]],"groups":[],"version":0.4}""";

        var ex = Assert.Throws<ComfyWorkflowFormatException>(() => Workflow.Parse(ui));

        Assert.True(ex.IsEditorFormat);
        Assert.IsAssignableFrom<ComfyException>(ex);
        Assert.Contains("editor (UI) format", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Export (API)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Save (API Format)", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[1,2]", "an array")]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("""{"1": 5}""", "\"1\" is a number")]
    [InlineData("""{"prompt": {"1": {"class_type": "X"}}, "client_id": "c"}""", "pass its \"prompt\" object")]
    [InlineData("""{"1": {"inputs": {}}}""", "No node of this JSON has a \"class_type\"")]
    [InlineData("""{"1": {"class_type": "X", "inputs": [1]}}""", "\"inputs\" that is an array")]
    public void Parse_NotAnApiWorkflow_ThrowsFormatExceptionSayingWhy(string json, string expected)
    {
        var ex = Assert.Throws<ComfyWorkflowFormatException>(() => Workflow.Parse(json));

        Assert.False(ex.IsEditorFormat);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EmptyObject_IsAnEmptyWorkflowThatValidatesAsNoOutputs()
    {
        // The server answers {"prompt": {}} with prompt_no_outputs (transcripts §6); so does validation.
        var workflow = Workflow.Parse("{}");

        Assert.Equal(0, workflow.Count);
        Assert.Equal("prompt_no_outputs", workflow.Validate(WorkflowFixtures.Catalog).Error!.Type);
    }
}
