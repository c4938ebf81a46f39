using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Tests.Workflows;

public class WorkflowBuilderTests
{
    [Fact]
    public void Build_Txt2ImgByName_EqualsTheExportedWorkflowStructurally()
    {
        var builder = new WorkflowBuilder(WorkflowFixtures.Catalog);
        var sampler = builder.AddNode("KSampler", id: "3");
        var checkpoint = builder.AddNode("CheckpointLoaderSimple", "Load Checkpoint", id: "4")
            .Set("ckpt_name", "v1-5-pruned-emaonly.safetensors");
        var latent = builder.AddNode("EmptyLatentImage", id: "5").Set("width", 512).Set("height", 512).Set("batch_size", 1);
        var positive = builder.AddNode("CLIPTextEncode", id: "6").Set("text", "a cat").Connect("clip", checkpoint.Output("CLIP"));
        var negative = builder.AddNode("CLIPTextEncode", id: "7").Set("text", "blurry").Connect("clip", checkpoint.Output(1));
        sampler.Set("seed", 1).Set("steps", 20).Set("cfg", 8).Set("sampler_name", "euler").Set("scheduler", "normal").Set("denoise", 1)
            .Connect("model", checkpoint.Output("MODEL")).Connect("positive", positive.Output(0))
            .Connect("negative", negative.Output("CONDITIONING")).Connect("latent_image", latent.Output("LATENT"));
        var decode = builder.AddNode("VAEDecode", id: "8").Connect("samples", sampler.Output(0)).Connect("vae", checkpoint.Output("VAE"));
        builder.AddNode("SaveImage", id: "9").Set("filename_prefix", "ComfyUI").Connect("images", decode.Output("IMAGE"));

        var built = builder.Build();

        Assert.Equal(WorkflowFixtures.Load("txt2img_sd15.json").Hash, built.Hash);
        Assert.Equal("""["4",2]""", built.Get("8.inputs.vae")!.ToJsonString());
        Assert.Equal("Load Checkpoint", built.GetTitle("4"));
        Assert.Equal("KSampler", built.GetTitle("3"));
        var catalog = WorkflowFixtures.Catalog.WithComboOptions("CheckpointLoaderSimple", "ckpt_name", ["v1-5-pruned-emaonly.safetensors"]);
        Assert.True(built.Validate(catalog).IsValid);
    }

    [Fact]
    public void AddNode_AutoIds_AreSequentialAndSkipChosenOnes()
    {
        var builder = new WorkflowBuilder();
        builder.AddNode("A", id: "2");

        var ids = new[] { builder.AddNode("B").Id, builder.AddNode("C").Id, builder.AddNode("D").Id };

        Assert.Equal(["1", "3", "4"], ids);
    }

    [Fact]
    public void AddNode_DuplicateId_ThrowsNamingTheNode()
    {
        var builder = new WorkflowBuilder();
        builder.AddNode("EmptyImage", id: "img");

        var ex = Assert.Throws<ComfyWorkflowGraphException>(() => builder.AddNode("ImageInvert", id: "img"));

        Assert.Equal(WorkflowGraphProblem.DuplicateNodeId, ex.Problem);
        Assert.Equal("img", ex.NodeId);
    }

    [Fact]
    public void Build_Cycle_ThrowsWithTheCycle()
    {
        var builder = new WorkflowBuilder();
        var a = builder.AddNode("ImageInvert");
        var b = builder.AddNode("ImageInvert");
        var c = builder.AddNode("ImageInvert");
        a.Connect("image", c.Output(0));
        b.Connect("image", a.Output(0));
        c.Connect("image", b.Output(0));

        var ex = Assert.Throws<ComfyWorkflowGraphException>(builder.Build);

        Assert.Equal(WorkflowGraphProblem.Cycle, ex.Problem);
        Assert.Equal(3, ex.CycleNodeIds.Count);
        Assert.Contains(ex.NodeId, ex.CycleNodeIds);
        Assert.Contains("cycle", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_SelfLink_IsACycle()
    {
        var builder = new WorkflowBuilder();
        var a = builder.AddNode("ImageInvert");
        a.Connect("image", a.Output(0));

        var ex = Assert.Throws<ComfyWorkflowGraphException>(builder.Build);

        Assert.Equal(WorkflowGraphProblem.Cycle, ex.Problem);
        Assert.Equal(["1"], ex.CycleNodeIds);
    }

    [Fact]
    public void Build_DanglingLink_ThrowsNamingNodeAndInput()
    {
        var builder = new WorkflowBuilder();
        builder.AddNode("PreviewImage", id: "p").Connect("images", new OutputSlot("99", 0));

        var ex = Assert.Throws<ComfyWorkflowGraphException>(builder.Build);

        Assert.Equal(WorkflowGraphProblem.DanglingLink, ex.Problem);
        Assert.Equal("p", ex.NodeId);
        Assert.Equal("images", ex.InputName);
        Assert.Contains("'99'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("LATENT")]
    [InlineData("images")]
    public void Build_UnknownOutputName_ThrowsListingTheOutputs(string name)
    {
        var builder = new WorkflowBuilder(WorkflowFixtures.Catalog);
        var loader = builder.AddNode("CheckpointLoaderSimple").Set("ckpt_name", "x.safetensors");
        builder.AddNode("VAEDecode", id: "d").Connect("vae", loader.Output(name));

        var ex = Assert.Throws<ComfyWorkflowGraphException>(builder.Build);

        Assert.Equal(WorkflowGraphProblem.UnknownOutput, ex.Problem);
        Assert.Equal("d", ex.NodeId);
        Assert.Contains("0: MODEL, 1: CLIP, 2: VAE", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_OutputIndexOutOfRange_Throws()
    {
        var builder = new WorkflowBuilder(WorkflowFixtures.Catalog);
        var image = builder.AddNode("EmptyImage");
        builder.AddNode("PreviewImage").Connect("images", image.Output(1));

        var ex = Assert.Throws<ComfyWorkflowGraphException>(builder.Build);

        Assert.Equal(WorkflowGraphProblem.UnknownOutput, ex.Problem);
        Assert.Equal("2", ex.NodeId);
    }

    [Fact]
    public void Build_OutputByNameWithoutSchema_ThrowsSayingASchemaIsNeeded()
    {
        var builder = new WorkflowBuilder();
        var image = builder.AddNode("EmptyImage");
        builder.AddNode("PreviewImage").Connect("images", image.Output("IMAGE"));

        var ex = Assert.Throws<ComfyWorkflowGraphException>(builder.Build);

        Assert.Equal(WorkflowGraphProblem.UnknownOutput, ex.Problem);
        Assert.Contains("NodeSchemaCatalog", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_ArrayValue_IsRejectedInFavourOfConnect()
    {
        var node = new WorkflowBuilder().AddNode("X");

        Assert.Throws<ArgumentException>(() => node.Set("v", new System.Text.Json.Nodes.JsonArray("1", 0)));
    }

    [Fact]
    public void Set_Twice_LastValueWinsAndKeepsPosition()
    {
        var builder = new WorkflowBuilder();
        builder.AddNode("X").Set("a", 1).Set("b", 2).Set("a", 3);

        Assert.Equal("""{"1":{"class_type":"X","inputs":{"a":3,"b":2},"_meta":{"title":"X"}}}""", builder.Build().ToJson());
    }
}
