using System.Text.Json;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Tests.Workflows;

/// <summary>The server's rules (PROTOCOL.md §5.1–5.3) beyond the recorded cases, one behaviour per test.</summary>
public class ValidationRuleTests
{
    private static WorkflowValidationResult EmptyImage(string inputs, WorkflowValidationOptions? options = null) =>
        Workflow.Parse("""{"1":{"class_type":"EmptyImage","inputs":{""" + inputs + """}},"2":{"class_type":"PreviewImage","inputs":{"images":["1",0]}}}""")
            .Validate(WorkflowFixtures.Catalog, options);

    private static PromptError OnlyError(WorkflowValidationResult result, string nodeId = "1") =>
        Assert.Single(result.NodeErrors[nodeId].Errors);

    [Fact]
    public void Validate_CatalogCopyWithAnExtraCombo_UsesEachCatalogsOwnSchema()
    {
        // Declared inputs are worked out once per node schema: a copy with one combo extended must not share them.
        var workflow = Workflow.Parse("""{"1":{"class_type":"CheckpointLoaderSimple","inputs":{"ckpt_name":"new.safetensors"}},"2":{"class_type":"PreviewAny","inputs":{"source":["1",0]}}}""");
        var original = WorkflowFixtures.Catalog;
        var extended = original.WithComboOptions("CheckpointLoaderSimple", "ckpt_name", ["new.safetensors"]);

        Assert.False(workflow.Validate(original).IsValid);
        Assert.True(workflow.Validate(extended).IsValid);
        Assert.False(workflow.Validate(original).IsValid);
        Assert.True(original.TryGetNode("CheckpointLoaderSimple", out var schema));
        Assert.Same(NodeSchemaCatalog.DeclarationsOf(schema), NodeSchemaCatalog.DeclarationsOf(schema));
    }

    [Theory]
    [InlineData("\"64\"")]
    [InlineData("\" 64 \"")]
    [InlineData("\"1_024\"")]
    [InlineData("64.9")]
    [InlineData("true")]
    public void Validate_IntInputAcceptedByPythonInt_Passes(string width) =>
        Assert.True(EmptyImage($"\"width\":{width},\"height\":64,\"batch_size\":1,\"color\":0").IsValid);

    [Theory]
    [InlineData("\"5.9\"", "width, 5.9, invalid literal for int() with base 10: '5.9'")]
    [InlineData("\"it's\"", "width, it's, invalid literal for int() with base 10: \"it's\"")]
    [InlineData("null", "width, None, int() argument must be a string, a bytes-like object or a real number, not 'NoneType'")]
    [InlineData("{\"a\":1}", "width, {'a': 1}, int() argument must be a string, a bytes-like object or a real number, not 'dict'")]
    public void Validate_IntInputPythonIntRejects_InvalidInputType(string width, string details)
    {
        var error = OnlyError(EmptyImage($"\"width\":{width},\"height\":64,\"batch_size\":1,\"color\":0"));

        Assert.Equal("invalid_input_type", error.Type);
        Assert.Equal("Failed to convert an input value to a INT value", error.Message);
        Assert.Equal(details, error.Details);
        Assert.Equal("width", error.InputName);
    }

    [Fact]
    public void Validate_IntCoercedBeforeRangeCheck_ReportsTheCoercedValue()
    {
        var error = OnlyError(EmptyImage("\"width\":\"0\",\"height\":64,\"batch_size\":1,\"color\":0"));

        Assert.Equal("value_smaller_than_min", error.Type);
        Assert.Equal("Value 0 smaller than min of 1", error.Message);
        Assert.Equal(JsonValueKind.Number, error.ReceivedValue!.Value.ValueKind);
    }

    [Theory]
    [InlineData("1.5", "value_bigger_than_max", "Value 1.5 bigger than max of 1.0")]
    [InlineData("2", "value_bigger_than_max", "Value 2.0 bigger than max of 1.0")]
    [InlineData("\"-0.25\"", "value_smaller_than_min", "Value -0.25 smaller than min of 0.0")]
    [InlineData("-1e-05", "value_smaller_than_min", "Value -1e-05 smaller than min of 0.0")]
    [InlineData("\"abc\"", "invalid_input_type", "Failed to convert an input value to a FLOAT value")]
    public void Validate_FloatInput_PythonFloatRulesAndMessages(string value, string type, string message)
    {
        var result = Workflow.Parse("""{"1":{"class_type":"SolidMask","inputs":{"value":""" + value + ""","width":8,"height":8}},"2":{"class_type":"MaskPreview","inputs":{"mask":["1",0]}}}""")
            .Validate(WorkflowFixtures.Catalog);

        var error = OnlyError(result);
        Assert.Equal(type, error.Type);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Validate_FloatFromUnparsableString_UsesPythonsMessage() =>
        Assert.Equal(
            "value, abc, could not convert string to float: 'abc'",
            OnlyError(Workflow.Parse("""{"1":{"class_type":"SolidMask","inputs":{"value":"abc","width":8,"height":8}},"2":{"class_type":"MaskPreview","inputs":{"mask":["1",0]}}}""")
                .Validate(WorkflowFixtures.Catalog)).Details);

    [Theory]
    [InlineData("\"false\"")]
    [InlineData("0")]
    [InlineData("\"anything\"")]
    public void Validate_BooleanInput_AcceptsAnythingLikePythonBool(string value)
    {
        // bool("false") is True on the server: not an error, but not what the caller meant either; send JSON booleans.
        var result = Workflow.Parse("""
            {"1":{"class_type":"EmptyLatentImage","inputs":{"width":64,"height":64,"batch_size":1}},
             "2":{"class_type":"SolidMask","inputs":{"value":1.0,"width":64,"height":64}},
             "3":{"class_type":"LatentCompositeMasked","inputs":{"destination":["1",0],"source":["1",0],"x":0,"y":0,"resize_source":VALUE,"mask":["2",0]}},
             "4":{"class_type":"SaveLatent","inputs":{"samples":["3",0],"filename_prefix":"x"}}}
            """.Replace("VALUE", value, StringComparison.Ordinal)).Validate(WorkflowFixtures.Catalog);

        Assert.True(result.IsValid, result.ToResponseJson());
    }

    [Fact]
    public void Validate_StringInputWithNumber_PassesLikePythonStr()
    {
        var result = Workflow.Parse("""{"1":{"class_type":"StringConcatenate","inputs":{"string_a":5,"string_b":true,"delimiter":null}},"2":{"class_type":"PreviewAny","inputs":{"source":["1",0]}}}""")
            .Validate(WorkflowFixtures.Catalog);

        Assert.True(result.IsValid);
    }

    [Fact]
    public void Validate_ComboWithMoreThan20Options_LeavesTheListOut()
    {
        var catalog = WorkflowFixtures.Catalog.WithComboOptions("CheckpointLoaderSimple", "ckpt_name", ["v1-5-pruned-emaonly.safetensors"]);
        var workflow = WorkflowFixtures.Load("txt2img_sd15.json").Set("3.inputs.sampler_name", "warp_drive");

        var error = OnlyError(workflow.Validate(catalog), "3");

        Assert.Equal("value_not_in_list", error.Type);
        Assert.Matches(@"^sampler_name: 'warp_drive' not in \(list of length \d+\)$", error.Details);
        Assert.Equal(JsonValueKind.Null, error.ExtraInfo.GetProperty("input_config").ValueKind);
    }

    [Fact]
    public void Validate_ComboMatchesLikePythonEquality()
    {
        var catalog = NodeSchemaCatalog.Parse("""{"Pick":{"input":{"required":{"n":[[1,2,"3"]]}},"output":[],"output_node":true}}""");

        Assert.True(Workflow.Parse("""{"1":{"class_type":"Pick","inputs":{"n":2.0}}}""").Validate(catalog).IsValid);
        Assert.True(Workflow.Parse("""{"1":{"class_type":"Pick","inputs":{"n":true}}}""").Validate(catalog).IsValid);
        var error = OnlyError(Workflow.Parse("""{"1":{"class_type":"Pick","inputs":{"n":3}}}""").Validate(catalog));
        Assert.Equal("n: '3' not in [1, 2, '3']", error.Details);
    }

    [Fact]
    public void Validate_V3Combo_CheckedUnlessTurnedOff()
    {
        var workflow = Workflow.Parse("""
            {"1":{"class_type":"EmptyImage","inputs":{"width":8,"height":8,"batch_size":1,"color":0}},
             "2":{"class_type":"ImageBlend","inputs":{"image1":["1",0],"image2":["1",0],"blend_factor":0.5,"blend_mode":"glow"}},
             "3":{"class_type":"PreviewImage","inputs":{"images":["2",0]}}}
            """);

        var error = OnlyError(workflow.Validate(WorkflowFixtures.Catalog), "2");

        Assert.Equal("value_not_in_list", error.Type);
        Assert.Equal("blend_mode: 'glow' not in ['normal', 'multiply', 'screen', 'overlay', 'soft_light', 'difference']", error.Details);
        Assert.True(workflow.Validate(WorkflowFixtures.Catalog, new WorkflowValidationOptions { CheckV3Combos = false }).IsValid);
    }

    [Theory]
    [InlineData("sub/photo.png")]
    [InlineData("photo.png [output]")]
    [InlineData("listed.png [input]")]
    [InlineData("listed.png")]
    public void Validate_UploadInputTheListCannotRuleOut_Passes(string file)
    {
        var catalog = WorkflowFixtures.Catalog.WithComboOptions("LoadImage", "image", ["listed.png"]);
        var workflow = WorkflowFixtures.Load("invalid/missing_input_file.json").Set("1.inputs.image", file);

        Assert.True(workflow.Validate(catalog).IsValid);
    }

    [Fact]
    public void Validate_MissingInputFileWithFileCheckOff_Passes() =>
        Assert.True(WorkflowFixtures.Load("invalid/missing_input_file.json")
            .Validate(WorkflowFixtures.Catalog, new WorkflowValidationOptions { CheckInputFiles = false }).IsValid);

    [Fact]
    public void Validate_LinkTypeSets_AnyOverlapOrStarPasses()
    {
        var catalog = NodeSchemaCatalog.Parse("""
            {"Src":{"input":{},"output":["IMAGE,MASK"]},
             "Any":{"input":{},"output":["*"]},
             "Takes":{"input":{"required":{"x":["MASK,LATENT"]}},"output":[],"output_node":true},
             "TakesLatent":{"input":{"required":{"x":["LATENT"]}},"output":[],"output_node":true}}
            """);

        Assert.True(Workflow.Parse("""{"1":{"class_type":"Src","inputs":{}},"2":{"class_type":"Takes","inputs":{"x":["1",0]}}}""").Validate(catalog).IsValid);
        Assert.True(Workflow.Parse("""{"1":{"class_type":"Any","inputs":{}},"2":{"class_type":"TakesLatent","inputs":{"x":["1",0]}}}""").Validate(catalog).IsValid);
        var error = OnlyError(Workflow.Parse("""{"1":{"class_type":"Src","inputs":{}},"2":{"class_type":"TakesLatent","inputs":{"x":["1",0]}}}""").Validate(catalog), "2");
        Assert.Equal("return_type_mismatch", error.Type);
        Assert.Equal("x, received_type(IMAGE,MASK) mismatch input_type(LATENT)", error.Details);
    }

    [Fact]
    public void Validate_AnyInput_TakesEveryType() =>
        Assert.True(Workflow.Parse("""{"1":{"class_type":"SolidMask","inputs":{"value":1.0,"width":8,"height":8}},"2":{"class_type":"PreviewAny","inputs":{"source":["1",0]}}}""")
            .Validate(WorkflowFixtures.Catalog).IsValid);

    [Theory]
    [InlineData("""["99",0]""", "KeyError", "'99'")]
    [InlineData("""[1,0]""", "KeyError", "1")]
    [InlineData("""["1",5]""", "IndexError", "tuple index out of range")]
    [InlineData("""["1","0"]""", "TypeError", "tuple indices must be integers or slices, not str")]
    public void Validate_OutputNodeWithBrokenLink_ExceptionDuringValidationOnTheOutput(string link, string exceptionType, string details)
    {
        var result = Workflow.Parse("""{"1":{"class_type":"EmptyImage","inputs":{"width":8,"height":8,"batch_size":1,"color":0}},"2":{"class_type":"PreviewImage","inputs":{"images":""" + link + "}}}")
            .Validate(WorkflowFixtures.Catalog);

        var error = OnlyError(result, "2");
        Assert.Equal("exception_during_validation", error.Type);
        Assert.Equal("Exception when validating node", error.Message);
        Assert.Equal(details, error.Details);
        Assert.Equal(exceptionType, error.ExceptionType);
        Assert.Equal($"Exception when validating node: {details}", result.Error!.Details);
    }

    [Fact]
    public void Validate_BrokenLinkTwoLevelsUp_PinsTheErrorOnTheNodeHoldingIt()
    {
        var result = Workflow.Parse("""
            {"1":{"class_type":"ImageInvert","inputs":{"image":["99",0]}},
             "2":{"class_type":"ImageInvert","inputs":{"image":["1",0]}},
             "3":{"class_type":"PreviewImage","inputs":{"images":["2",0]}}}
            """).Validate(WorkflowFixtures.Catalog);

        var error = OnlyError(result, "1");
        Assert.Equal("exception_during_inner_validation", error.Type);
        Assert.Equal("image", error.InputName);
        Assert.Equal("""["1",0]""", error.ExtraInfo.GetProperty("linked_node").GetRawText());
        Assert.Equal(["1"], result.NodeErrors.Keys);
    }

    [Fact]
    public void Validate_LinkOfWrongLength_BadLinkedInput()
    {
        var error = OnlyError(Workflow.Parse("""{"1":{"class_type":"EmptyImage","inputs":{"width":8,"height":8,"batch_size":1,"color":0}},"2":{"class_type":"PreviewImage","inputs":{"images":["1",0,0]}}}""")
            .Validate(WorkflowFixtures.Catalog), "2");

        Assert.Equal("bad_linked_input", error.Type);
        Assert.Equal("images", error.Details);
    }

    [Fact]
    public void Validate_Cycle_ReportsDependencyCycleInsteadOfRecursingForever()
    {
        var result = Workflow.Parse("""
            {"1":{"class_type":"ImageInvert","inputs":{"image":["2",0]}},
             "2":{"class_type":"ImageInvert","inputs":{"image":["1",0]}},
             "3":{"class_type":"PreviewImage","inputs":{"images":["2",0]}}}
            """).Validate(WorkflowFixtures.Catalog);

        var error = OnlyError(result, "1");
        Assert.Equal("dependency_cycle", error.Type);
        Assert.Equal("2 (ImageInvert) -> 1 (ImageInvert) -> 2 (ImageInvert)", error.Details);
        Assert.False(result.IsValid);
    }

    [Fact]
    public void Validate_BrokenNodeNotUpstreamOfAnyOutput_IsIgnoredLikeTheServerDoes()
    {
        var result = Workflow.Parse("""
            {"1":{"class_type":"EmptyImage","inputs":{"width":8,"height":8,"batch_size":1,"color":0}},
             "2":{"class_type":"PreviewImage","inputs":{"images":["1",0]}},
             "3":{"class_type":"ImageScale","inputs":{"image":["1",0],"upscale_method":"nope"}}}
            """).Validate(WorkflowFixtures.Catalog);

        Assert.True(result.IsValid);
        Assert.Empty(result.NodeErrors);
    }

    [Fact]
    public void Validate_OneOfTwoOutputsValid_IsValidButReportsTheSkippedOutput()
    {
        var result = Workflow.Parse("""
            {"1":{"class_type":"EmptyImage","inputs":{"width":8,"height":8,"batch_size":1,"color":0}},
             "2":{"class_type":"PreviewImage","inputs":{"images":["1",0]}},
             "3":{"class_type":"ImageScale","inputs":{"image":["1",0],"upscale_method":"nope","width":8,"height":8,"crop":"disabled"}},
             "4":{"class_type":"SaveImage","inputs":{"images":["3",0],"filename_prefix":"x"}}}
            """).Validate(WorkflowFixtures.Catalog);

        Assert.True(result.IsValid);
        Assert.Equal(["2"], result.ValidOutputs);
        Assert.Equal(["4"], result.NodeErrors["3"].DependentOutputs);
        result.ThrowIfInvalid();
    }

    [Fact]
    public void Validate_MissingClassType_InvalidPromptAtTheFirstSuchNode()
    {
        var result = Workflow.Parse("""{"1":{"class_type":"EmptyImage","inputs":{}},"2":{"inputs":{}},"3":{"class_type":"Nope"}}""")
            .Validate(WorkflowFixtures.Catalog);

        Assert.Equal("invalid_prompt", result.Error!.Type);
        Assert.Equal("Cannot execute because a node is missing the class_type property.", result.Error.Message);
        Assert.Equal("Node ID '#2'", result.Error.Details);
    }

    [Fact]
    public void Validate_OptionalInput_AbsentIsFinePresentIsChecked()
    {
        var catalog = NodeSchemaCatalog.Parse("""{"Opt":{"input":{"required":{},"optional":{"n":["INT",{"max":3}]}},"output":[],"output_node":true}}""");

        Assert.True(Workflow.Parse("""{"1":{"class_type":"Opt","inputs":{}}}""").Validate(catalog).IsValid);
        Assert.Equal("value_bigger_than_max", OnlyError(Workflow.Parse("""{"1":{"class_type":"Opt","inputs":{"n":4}}}""").Validate(catalog)).Type);
    }

    [Fact]
    public void ToResponseJson_HasTheServersShape()
    {
        var result = WorkflowFixtures.Load("invalid/value_out_of_range.json").Validate(WorkflowFixtures.Catalog);

        using var body = JsonDocument.Parse(result.ToResponseJson());

        var node = body.RootElement.GetProperty("node_errors").GetProperty("1");
        Assert.Equal("prompt_outputs_failed_validation", body.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("EmptyImage", node.GetProperty("class_type").GetString());
        Assert.Equal(2, node.GetProperty("errors").GetArrayLength());
        Assert.Equal("2", node.GetProperty("dependent_outputs")[0].GetString());
    }

    [Fact]
    public void ToException_ValidResult_Throws() =>
        Assert.Throws<InvalidOperationException>(() => WorkflowFixtures.Load("basic_empty_invert_save.json").Validate(WorkflowFixtures.Catalog).ToException());
}
