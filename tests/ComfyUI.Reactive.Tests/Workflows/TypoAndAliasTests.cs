using System.Text.Json.Nodes;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Tests.Workflows;

/// <summary>No silent typos: setters refuse inputs a node lacks, validation lists undeclared inputs, aliases name inputs.</summary>
public sealed class TypoAndAliasTests
{
    private static Workflow Txt2Img => WorkflowFixtures.Load("txt2img_sd15.json");

    [Fact]
    public void Set_MisspeltInput_ThrowsNamingTheNodeAndTheNearestInput()
    {
        var error = Assert.Throws<ComfyWorkflowException>(() => Txt2Img.Set("6.inputs.txet", "hello"));

        Assert.Equal("6", error.NodeId);
        Assert.Contains("no input 'txet'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'text'?", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddInput(", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SetByClass_MisspeltInput_Throws()
    {
        var error = Assert.Throws<ComfyWorkflowException>(() => Txt2Img.SetByClass("KSampler", "stpes", 30));

        Assert.Contains("Did you mean 'steps'?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SetBatch_OneMisspeltInput_ChangesNothing()
    {
        var original = Txt2Img;

        Assert.Throws<ComfyWorkflowException>(() => original.Set(new Dictionary<string, JsonNode?> { ["6.inputs.text"] = "cat", ["5.inputs.widht"] = 768 }));
        Assert.NotEqual("cat", original.Get("6.inputs.text")!.GetValue<string>());
    }

    [Fact]
    public void Validate_UndeclaredInput_IsReportedOnItsOwnWithoutFailingValidation()
    {
        var workflow = Txt2Img.AddInput("6.inputs.txet", "hello");

        var result = workflow.Validate(WorkflowFixtures.Catalog, new WorkflowValidationOptions { CheckInputFiles = false });

        var undeclared = Assert.Single(result.UndeclaredInputs);
        Assert.Equal(("6", "CLIPTextEncode", "txet"), (undeclared.NodeId, undeclared.ClassType, undeclared.InputName));
        Assert.Equal("text", undeclared.Suggestions[0]);
        Assert.DoesNotContain(result.NodeErrors.Keys, id => id == "6");
    }

    [Fact]
    public void Validate_OnlyDeclaredInputs_ReportsNoUndeclaredInput()
    {
        Assert.Empty(Txt2Img.Validate(WorkflowFixtures.Catalog).UndeclaredInputs);
    }

    [Fact]
    public void Input_Alias_SetsAndGetsThatInput()
    {
        var workflow = Txt2Img.Input("prompt", "6.inputs.text").Set("prompt", "a lighthouse");

        Assert.Equal("a lighthouse", workflow.Get("6.inputs.text")!.GetValue<string>());
        Assert.Equal("a lighthouse", workflow.Get("prompt")!.GetValue<string>());
        Assert.Equal("6.inputs.text", workflow.InputAliases["prompt"]);
    }

    [Fact]
    public void Input_Alias_SurvivesToJsonAndParse()
    {
        var json = Txt2Img.Input("prompt", "6.inputs.text").ToJson();

        var reparsed = Workflow.Parse(json).Set("prompt", "kept");

        Assert.Equal("kept", reparsed.Get("6.inputs.text")!.GetValue<string>());
        Assert.Equal("text", JsonNode.Parse(json)!["6"]!["_meta"]!["comfyui_reactive"]!["inputs"]!["prompt"]!.GetValue<string>());
    }

    [Fact]
    public void Input_AliasOfAMissingInput_ThrowsWithTheNearestName()
    {
        var error = Assert.Throws<ComfyWorkflowException>(() => Txt2Img.Input("prompt", "6.inputs.txt"));

        Assert.Contains("'text'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_UnknownAlias_ThrowsNamingTheAliases()
    {
        var workflow = Txt2Img.Input("prompt", "6.inputs.text");

        var error = Assert.Throws<ArgumentException>(() => workflow.Set("promt", "x"));

        Assert.Contains("'prompt'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Input_SameAliasTwice_MovesIt()
    {
        var workflow = Txt2Img.Input("p", "6.inputs.text").Input("p", "7.inputs.text");

        Assert.Equal("7.inputs.text", Assert.Single(workflow.InputAliases).Value);
    }
}
