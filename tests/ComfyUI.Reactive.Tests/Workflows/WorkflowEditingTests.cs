using System.Text.Json.Nodes;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Tests.Workflows;

public class WorkflowEditingTests
{
    private static Workflow Txt2Img => WorkflowFixtures.Load("txt2img_sd15.json");

    [Fact]
    public void Set_Path_ChangesTheInputAndLeavesTheOriginalUntouched()
    {
        var original = Txt2Img;

        var edited = original.Set("6.inputs.text", "a lighthouse").Set("3.inputs.steps", 30).Set("3.inputs.cfg", 6.5);

        Assert.Equal("a lighthouse", (string?)edited.Get("6.inputs.text"));
        Assert.Equal(30, (int?)edited.Get("3.inputs.steps"));
        Assert.Equal(6.5, (double?)edited.Get("3.inputs.cfg"));
        Assert.Equal("beautiful scenery nature glass bottle landscape, purple galaxy bottle", (string?)original.Get("6.inputs.text"));
        Assert.Equal(WorkflowFixtures.Text("txt2img_sd15.json").Trim(), original.ToJson());
    }

    [Fact]
    public void AddInput_NewInput_IsAdded()
    {
        var edited = Txt2Img.AddInput("5.inputs.extra_option", true);

        Assert.True((bool?)edited.Get("5.inputs.extra_option"));
    }

    [Fact]
    public void Set_DottedInputName_SplitsAtTheFirstInputsSegment()
    {
        var workflow = Workflow.Parse("""{"a.b":{"class_type":"X","inputs":{}}}""");

        var edited = workflow.AddInput("a.b.inputs.values.a", 1);

        Assert.Equal("""{"a.b":{"class_type":"X","inputs":{"values.a":1}}}""", edited.ToJson());
    }

    [Fact]
    public void Set_Link_WritesAStringIdAndIndex()
    {
        var edited = Txt2Img.Set("8.inputs.vae", new NodeLink("4", 2)).Set("9.inputs.images", new JsonArray("8", 0));

        Assert.Equal("""["4",2]""", edited.Get("8.inputs.vae")!.ToJsonString());
        Assert.Equal("""["8",0]""", edited.Get("9.inputs.images")!.ToJsonString());
    }

    [Fact]
    public void Set_LinkToMissingNode_Throws()
    {
        var ex = Assert.Throws<ComfyWorkflowException>(() => Txt2Img.Set("8.inputs.vae", new NodeLink("99", 2)));

        Assert.Contains("'99'", ex.Message, StringComparison.Ordinal);
        Assert.Equal("8", ex.NodeId);
    }

    [Fact]
    public void Set_ArrayThatIsNotALink_ThrowsExplainingTheValueWrapper()
    {
        var ex = Assert.Throws<ArgumentException>(() => Txt2Img.Set("6.inputs.text", new JsonArray(1, 2, 3)));

        Assert.Contains("__value__", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_UnknownNode_ThrowsNamingItAndListingTheNodes()
    {
        var ex = Assert.Throws<ComfyWorkflowException>(() => Txt2Img.Set("42.inputs.text", "x"));

        Assert.Equal("42", ex.NodeId);
        Assert.Contains("6 (CLIPTextEncode 'CLIP Text Encode (Positive Prompt)')", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("6.text")]
    [InlineData(".inputs.text")]
    [InlineData("6.inputs.")]
    public void Set_MalformedPath_Throws(string path) =>
        Assert.Throws<ArgumentException>(() => Txt2Img.Set(path, "x"));

    [Fact]
    public void Set_Batch_AppliesAllOrNothing()
    {
        var workflow = Txt2Img;

        var edited = workflow.Set(new Dictionary<string, JsonNode?> { ["6.inputs.text"] = "cat", ["7.inputs.text"] = "dog", ["5.inputs.width"] = 768 });
        Assert.Throws<ComfyWorkflowException>(() => workflow.Set(new Dictionary<string, JsonNode?> { ["6.inputs.text"] = "cat", ["77.inputs.text"] = "x" }));

        Assert.Equal("cat", (string?)edited.Get("6.inputs.text"));
        Assert.Equal("dog", (string?)edited.Get("7.inputs.text"));
        Assert.Equal(768, (int?)edited.Get("5.inputs.width"));
        Assert.Equal(WorkflowFixtures.Text("txt2img_sd15.json").Trim(), workflow.ToJson());
    }

    [Fact]
    public void SetByTitle_UniqueTitle_SetsThatNode()
    {
        var edited = Txt2Img.SetByTitle("CLIP Text Encode (Negative Prompt)", "text", "blurry");

        Assert.Equal("blurry", (string?)edited.Get("7.inputs.text"));
        Assert.Equal("beautiful scenery nature glass bottle landscape, purple galaxy bottle", (string?)edited.Get("6.inputs.text"));
    }

    [Fact]
    public void SetByClass_AmbiguousWithExactlyOne_ThrowsListingTheCandidates()
    {
        var ex = Assert.Throws<ComfyWorkflowException>(() => Txt2Img.SetByClass("CLIPTextEncode", "text", "x"));

        Assert.Equal(["6", "7"], ex.CandidateNodeIds);
        Assert.Contains("2 nodes are of class 'CLIPTextEncode'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("NodeMatch.All", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SetByClass_AmbiguousWithAll_SetsEveryMatch()
    {
        var edited = Txt2Img.SetByClass("CLIPTextEncode", "text", "same", NodeMatch.All);

        Assert.Equal("same", (string?)edited.Get("6.inputs.text"));
        Assert.Equal("same", (string?)edited.Get("7.inputs.text"));
    }

    [Fact]
    public void SetByTitle_AmbiguousTitle_ThrowsUnlessAll()
    {
        var workflow = Workflow.Parse("""{"1":{"class_type":"A","inputs":{"v":0},"_meta":{"title":"T"}},"2":{"class_type":"B","inputs":{"v":0},"_meta":{"title":"T"}}}""");

        var ex = Assert.Throws<ComfyWorkflowException>(() => workflow.SetByTitle("T", "v", 1));
        var all = workflow.SetByTitle("T", "v", 1, NodeMatch.All);

        Assert.Equal(["1", "2"], ex.CandidateNodeIds);
        Assert.Equal(1, (int?)all.Get("1.inputs.v"));
        Assert.Equal(1, (int?)all.Get("2.inputs.v"));
    }

    [Theory]
    [InlineData(NodeMatch.ExactlyOne)]
    [InlineData(NodeMatch.All)]
    public void SetByClassOrTitle_NoMatch_Throws(NodeMatch match)
    {
        Assert.Throws<ComfyWorkflowException>(() => Txt2Img.SetByClass("LoraLoader", "strength_model", 1, match));
        Assert.Throws<ComfyWorkflowException>(() => Txt2Img.SetByTitle("No such title", "text", "x", match));
    }

    [Fact]
    public void Output_Alias_IsKeptAcrossEditsAndNotInTheJson()
    {
        var workflow = Txt2Img.Output("images", "9").Set("6.inputs.text", "x");

        Assert.Equal("9", workflow.Outputs["images"]);
        Assert.DoesNotContain("images\":\"9", workflow.ToJson(), StringComparison.Ordinal);
        Assert.Throws<ComfyWorkflowException>(() => workflow.Output("other", "404"));
        Assert.Empty(Txt2Img.Outputs);
    }
}
