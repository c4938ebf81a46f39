using System.Text.Json.Nodes;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Tests.Workflows.EditorFormat;

/// <summary>The conversion rules on small hand-made graphs (the real pairs are in EditorFixturePairTests).</summary>
public sealed class EditorConversionRuleTests
{
    // Load image (1) → [Reroute 2 → Reroute 3] → ImageInvert (4, optionally bypassed) → SaveImage (5); Note 6.
    private static string Graph(int invertMode = 0, string saveType = "SaveImage", string saveValues = "[\"out\"]", string extra = "") => $$"""
        {"nodes":[
          {"id":1,"type":"LoadImage","mode":0,"inputs":[],"outputs":[{"name":"IMAGE","type":"IMAGE","links":[1]},{"name":"MASK","type":"MASK","links":[]}],"widgets_values":["a.png","image"]},
          {"id":2,"type":"Reroute","mode":0,"inputs":[{"name":"","type":"*","link":1}],"outputs":[{"name":"","type":"IMAGE","links":[2]}]},
          {"id":3,"type":"Reroute","mode":0,"inputs":[{"name":"","type":"*","link":2}],"outputs":[{"name":"","type":"IMAGE","links":[3]}]},
          {"id":4,"type":"ImageInvert","mode":{{invertMode}},"inputs":[{"name":"image","type":"IMAGE","link":3}],"outputs":[{"name":"IMAGE","type":"IMAGE","links":[4]}]},
          {"id":5,"type":"{{saveType}}","mode":0,"title":"Keep","inputs":[{"name":"images","type":"IMAGE","link":4}],"outputs":[],"widgets_values":{{saveValues}}},
          {"id":6,"type":"Note","mode":0,"inputs":[],"outputs":[],"widgets_values":["hello"]}{{extra}}],
         "links":[[1,1,0,2,0,"IMAGE"],[2,2,0,3,0,"IMAGE"],[3,3,0,4,0,"IMAGE"],[4,4,0,5,0,"IMAGE"]],"version":0.4}
        """;

    private static JsonObject Convert(string json) => JsonNode.Parse(Workflow.FromEditorFormat(json, WorkflowFixtures.Catalog).ToJson())!.AsObject();

    [Fact]
    public void FromEditorFormat_RerouteChain_LinksToTheRealSourceAndDropsFrontendNodes()
    {
        var prompt = Convert(Graph());

        Assert.Equal(["1", "4", "5"], prompt.Select(p => p.Key));
        Assert.Equal("""["1",0]""", prompt["4"]!["inputs"]!["image"]!.ToJsonString());
        Assert.Equal("""{"image":"a.png"}""", prompt["1"]!["inputs"]!.ToJsonString());
        Assert.Equal("Keep", prompt["5"]!["_meta"]!["title"]!.GetValue<string>());
        Assert.Equal("Load Image", prompt["1"]!["_meta"]!["title"]!.GetValue<string>());
    }

    [Fact]
    public void FromEditorFormat_BypassedNode_IsRewiredByType()
    {
        var prompt = Convert(Graph(invertMode: 4));

        Assert.False(prompt.ContainsKey("4"));
        Assert.Equal("""["1",0]""", prompt["5"]!["inputs"]!["images"]!.ToJsonString());
    }

    [Fact]
    public void FromEditorFormat_MutedNode_IsDroppedWithTheLinksToIt()
    {
        var prompt = Convert(Graph(invertMode: 2));

        Assert.False(prompt.ContainsKey("4"));
        Assert.False(prompt["5"]!["inputs"]!.AsObject().ContainsKey("images"));
    }

    [Fact]
    public void FromEditorFormat_UnknownNodeType_ThrowsNamingTheNode()
    {
        var error = Assert.Throws<ComfyWorkflowConversionException>(() => Convert(Graph(saveType: "SaveImageExtended")));

        Assert.Equal(WorkflowConversionProblem.UnknownNodeType, error.Problem);
        Assert.Equal("5", error.NodeId);
        Assert.Contains("'Keep'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEditorFormat_TooManyWidgetValues_ThrowsNamingTheNodeAndWidgets()
    {
        var error = Assert.Throws<ComfyWorkflowConversionException>(() => Convert(Graph(saveValues: "[\"out\", 3]")));

        Assert.Equal(WorkflowConversionProblem.WidgetCountMismatch, error.Problem);
        Assert.Equal("5", error.NodeId);
        Assert.Contains("filename_prefix", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEditorFormat_LinkToAMissingNode_ThrowsDanglingLink()
    {
        var json = Graph().Replace("[3,3,0,4,0,\"IMAGE\"]", "[3,99,0,4,0,\"IMAGE\"]", StringComparison.Ordinal);

        var error = Assert.Throws<ComfyWorkflowConversionException>(() => Convert(json));

        Assert.Equal(WorkflowConversionProblem.DanglingLink, error.Problem);
        Assert.Equal("4", error.NodeId);
    }

    [Fact]
    public void FromEditorFormat_SeedWidget_SkipsTheControlValueAndDynamicPromptsAreResolved()
    {
        var json = """
            {"nodes":[
              {"id":3,"type":"KSampler","mode":0,"inputs":[],"outputs":[],"widgets_values":[42,"randomize",20,7.5,"euler","normal",1]},
              {"id":6,"type":"CLIPTextEncode","mode":0,"inputs":[],"outputs":[],"widgets_values":["a {cat|cat} /* note */ on a mat"]}],
             "links":[]}
            """;

        var prompt = Convert(json);

        Assert.Equal("""{"seed":42,"steps":20,"cfg":7.5,"sampler_name":"euler","scheduler":"normal","denoise":1}""", prompt["3"]!["inputs"]!.ToJsonString());
        Assert.Equal("a cat  on a mat", prompt["6"]!["inputs"]!["text"]!.GetValue<string>());
    }

    [Fact]
    public void FromEditorFormat_Subgraph_IsFlattenedWithOuterColonInnerIds()
    {
        // Root: LoadImage 1 → subgraph instance 7 → SaveImage 5. Inside: input node → ImageInvert 2 → output node.
        var json = """
            {"nodes":[
              {"id":1,"type":"LoadImage","mode":0,"inputs":[],"outputs":[{"name":"IMAGE","type":"IMAGE","links":[1]}],"widgets_values":["a.png","image"]},
              {"id":7,"type":"0b5e-sub","mode":0,"inputs":[{"name":"image","type":"IMAGE","link":1}],"outputs":[{"name":"IMAGE","type":"IMAGE","links":[2]}]},
              {"id":5,"type":"SaveImage","mode":0,"inputs":[{"name":"images","type":"IMAGE","link":2}],"outputs":[],"widgets_values":["out"]}],
             "links":[[1,1,0,7,0,"IMAGE"],[2,7,0,5,0,"IMAGE"]],
             "definitions":{"subgraphs":[{"id":"0b5e-sub","name":"Invert",
               "inputs":[{"id":"i","name":"image","type":"IMAGE","linkIds":[10]}],
               "outputs":[{"id":"o","name":"IMAGE","type":"IMAGE","linkIds":[11]}],
               "nodes":[{"id":2,"type":"ImageInvert","mode":0,"inputs":[{"name":"image","type":"IMAGE","link":10}],"outputs":[{"name":"IMAGE","type":"IMAGE","links":[11]}]}],
               "links":[{"id":10,"origin_id":-10,"origin_slot":0,"target_id":2,"target_slot":0,"type":"IMAGE"},
                        {"id":11,"origin_id":2,"origin_slot":0,"target_id":-20,"target_slot":0,"type":"IMAGE"}]}]}}
            """;

        var prompt = Convert(json);

        Assert.Equal(["1", "5", "7:2"], prompt.Select(p => p.Key));
        Assert.Equal("""["1",0]""", prompt["7:2"]!["inputs"]!["image"]!.ToJsonString());
        Assert.Equal("""["7:2",0]""", prompt["5"]!["inputs"]!["images"]!.ToJsonString());
    }

    [Fact]
    public void Parse_WithCatalog_AcceptsBothFormats()
    {
        var fromEditor = Workflow.Parse(Graph(), WorkflowFixtures.Catalog);
        var fromApi = Workflow.Parse(fromEditor.ToJson(), WorkflowFixtures.Catalog);

        Assert.Equal(fromEditor.ToJson(), fromApi.ToJson());
        Assert.True(Assert.Throws<ComfyWorkflowFormatException>(() => Workflow.Parse(Graph())).IsEditorFormat);
    }
}
