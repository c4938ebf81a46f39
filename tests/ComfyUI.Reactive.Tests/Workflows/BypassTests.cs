using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Tests.Workflows;

public class BypassTests
{
    [Fact]
    public void Bypass_ChainNode_RewiresConsumersToItsInput()
    {
        var workflow = WorkflowFixtures.Load("scale_blur_sharpen_mask.json");

        var bypassed = workflow.Bypass("3", WorkflowFixtures.Catalog);

        Assert.False(bypassed.ContainsNode("3"));
        Assert.Equal("""["2",0]""", bypassed.Get("4.inputs.image")!.ToJsonString());
        Assert.True(bypassed.Validate(WorkflowFixtures.Catalog).IsValid);
        Assert.True(workflow.ContainsNode("3"));
    }

    [Fact]
    public void Bypass_WithSchema_PicksTheFirstInputOfTheConsumersType()
    {
        // JoinImageWithAlpha(image: IMAGE, alpha: MASK) -> IMAGE. A consumer wanting IMAGE gets "image"; one wanting
        // MASK (schema says MaskToImage.mask is MASK) gets "alpha", though output slot 0 would point at "image".
        var workflow = Workflow.Parse("""
            {"1":{"class_type":"EmptyImage","inputs":{"width":8,"height":8,"batch_size":1,"color":0}},
             "2":{"class_type":"SolidMask","inputs":{"value":1.0,"width":8,"height":8}},
             "3":{"class_type":"JoinImageWithAlpha","inputs":{"image":["1",0],"alpha":["2",0]}},
             "4":{"class_type":"PreviewImage","inputs":{"images":["3",0]}},
             "5":{"class_type":"MaskToImage","inputs":{"mask":["3",0]}},
             "6":{"class_type":"PreviewImage","inputs":{"images":["5",0]}}}
            """);

        var bypassed = workflow.Bypass("3", WorkflowFixtures.Catalog);

        Assert.Equal("""["1",0]""", bypassed.Get("4.inputs.images")!.ToJsonString());
        Assert.Equal("""["2",0]""", bypassed.Get("5.inputs.mask")!.ToJsonString());
        Assert.True(bypassed.Validate(WorkflowFixtures.Catalog).IsValid);
    }

    [Fact]
    public void Bypass_WithoutSchema_MatchesOutputIndexToLinkInputPosition()
    {
        // Output 1 of a two-input node maps to its second linked input (JSON order); output 0 to the first.
        var workflow = Workflow.Parse("""
            {"1":{"class_type":"A","inputs":{}},
             "2":{"class_type":"B","inputs":{}},
             "3":{"class_type":"Pair","inputs":{"strength":1.0,"first":["1",0],"second":["2",0]}},
             "4":{"class_type":"C","inputs":{"x":["3",1],"y":["3",0]}}}
            """);

        var bypassed = workflow.Bypass("3");

        Assert.Equal("""["2",0]""", bypassed.Get("4.inputs.x")!.ToJsonString());
        Assert.Equal("""["1",0]""", bypassed.Get("4.inputs.y")!.ToJsonString());
    }

    [Fact]
    public void Bypass_WithoutSchema_SingleLinkInputFeedsEveryOutput()
    {
        var workflow = Workflow.Parse("""
            {"1":{"class_type":"A","inputs":{}},
             "2":{"class_type":"Split","inputs":{"in":["1",0],"mode":"x"}},
             "3":{"class_type":"C","inputs":{"p":["2",0],"q":["2",2]}}}
            """);

        var bypassed = workflow.Bypass("2");

        Assert.Equal("""["1",0]""", bypassed.Get("3.inputs.p")!.ToJsonString());
        Assert.Equal("""["1",0]""", bypassed.Get("3.inputs.q")!.ToJsonString());
    }

    [Fact]
    public void Bypass_NoMatchingInput_DropsTheConsumerInputAndValidationReportsIt()
    {
        // VAEDecode(samples: LATENT, vae: VAE) -> IMAGE: nothing of type IMAGE to pass through.
        var workflow = WorkflowFixtures.Load("txt2img_sd15.json");
        var catalog = WorkflowFixtures.Catalog.WithComboOptions("CheckpointLoaderSimple", "ckpt_name", ["v1-5-pruned-emaonly.safetensors"]);

        var bypassed = workflow.Bypass("8", catalog);
        var result = bypassed.Validate(catalog);

        Assert.Null(bypassed.Get("9.inputs.images"));
        Assert.Equal("required_input_missing", Assert.Single(result.NodeErrors["9"].Errors).Type);
    }

    [Fact]
    public void Bypass_AliasedNode_DropsTheAlias()
    {
        var workflow = WorkflowFixtures.Load("basic_empty_invert_save.json").Output("saved", "3").Output("preview", "4");

        var bypassed = workflow.Bypass("3");

        Assert.Equal(["preview"], bypassed.Outputs.Keys);
    }

    [Fact]
    public void Bypass_UnknownNode_Throws() =>
        Assert.Throws<ComfyWorkflowException>(() => WorkflowFixtures.Load("basic_empty_invert_save.json").Bypass("9"));
}
