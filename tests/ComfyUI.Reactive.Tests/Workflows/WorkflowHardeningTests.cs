using System.Text;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Tests.Workflows;

/// <summary>Odd node ids, <c>__value__</c> lists, bypass chains, hash stability, long chains and long cycles.</summary>
public sealed class WorkflowHardeningTests
{
    private const string Empty = """{"class_type":"EmptyImage","inputs":{"width":8,"height":8,"batch_size":1,"color":0}}""";

    /// <summary>EmptyImage "0" → ImageInvert "1" … "n" → PreviewImage "out".</summary>
    private static string Chain(int length)
    {
        var json = new StringBuilder("{\"0\":").Append(Empty);
        for (var i = 1; i <= length; i++)
        {
            json.Append(System.Globalization.CultureInfo.InvariantCulture, $",\"{i}\":{{\"class_type\":\"ImageInvert\",\"inputs\":{{\"image\":[\"{i - 1}\",0]}}}}");
        }

        return json.Append(System.Globalization.CultureInfo.InvariantCulture, $",\"out\":{{\"class_type\":\"PreviewImage\",\"inputs\":{{\"images\":[\"{length}\",0]}}}}}}").ToString();
    }

    [Theory]
    [InlineData(500)]
    [InlineData(5_000)]
    [InlineData(100_000)]
    public async Task Validate_LongChain_IsValidWithoutOverflowingTheStack(int length)
    {
        var workflow = Workflow.Parse(Chain(length));

        // A thread-pool thread (1.5 MB of stack on Linux), like an app's; an overflow would end the test process.
        var result = await Task.Run(() => workflow.Validate(WorkflowFixtures.Catalog)).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(["out"], result.ValidOutputs);
    }

    [Fact]
    public async Task Validate_LongChainWithABrokenNodeAtTheFarEnd_ReportsItOnThatNode()
    {
        var node = JsonNode.Parse(Chain(5_000))!.AsObject();
        node["0"]!["inputs"]!["width"] = -5;
        var workflow = Workflow.Parse(node.ToJsonString());

        var result = await Task.Run(() => workflow.Validate(WorkflowFixtures.Catalog)).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.False(result.IsValid);
        Assert.Equal("value_smaller_than_min", Assert.Single(result.NodeErrors["0"].Errors).Type);
    }

    [Fact]
    public async Task WorkflowBuilder_LongChain_BuildsWithoutOverflowingTheStack()
    {
        var built = await Task.Run(() =>
        {
            var builder = new WorkflowBuilder();
            var previous = builder.AddNode("EmptyImage", id: "0");
            for (var i = 1; i <= 100_000; i++)
            {
                previous = builder.AddNode("ImageInvert", id: i.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .Connect("image", previous.Output(0));
            }

            builder.AddNode("PreviewImage", id: "out").Connect("images", previous.Output(0));
            return builder.Build();
        }).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(100_002, built.Count);
    }

    [Fact]
    public void Validate_CycleOfFive_ReportsTheWholeCycleOnce()
    {
        var result = Workflow.Parse("""
            {"1":{"class_type":"ImageInvert","inputs":{"image":["5",0]}},
             "2":{"class_type":"ImageInvert","inputs":{"image":["1",0]}},
             "3":{"class_type":"ImageInvert","inputs":{"image":["2",0]}},
             "4":{"class_type":"ImageInvert","inputs":{"image":["3",0]}},
             "5":{"class_type":"ImageInvert","inputs":{"image":["4",0]}},
             "out":{"class_type":"PreviewImage","inputs":{"images":["3",0]}}}
            """).Validate(WorkflowFixtures.Catalog);

        Assert.False(result.IsValid);
        var cycle = result.NodeErrors.SelectMany(kv => kv.Value.Errors).Single(e => e.Type == "dependency_cycle");
        Assert.Equal("3 (ImageInvert) -> 2 (ImageInvert) -> 1 (ImageInvert) -> 5 (ImageInvert) -> 4 (ImageInvert) -> 3 (ImageInvert)", cycle.Details);
    }

    [Fact]
    public void WorkflowBuilder_CycleOfFour_ThrowsWithAllFourNodes()
    {
        var builder = new WorkflowBuilder();
        var a = builder.AddNode("ImageInvert", id: "a");
        var b = builder.AddNode("ImageInvert", id: "b").Connect("image", a.Output(0));
        var c = builder.AddNode("ImageInvert", id: "c").Connect("image", b.Output(0));
        var d = builder.AddNode("ImageInvert", id: "d").Connect("image", c.Output(0));
        a.Connect("image", d.Output(0));

        var ex = Assert.Throws<ComfyWorkflowGraphException>(builder.Build);

        Assert.Equal(WorkflowGraphProblem.Cycle, ex.Problem);
        Assert.Equal(["a", "b", "c", "d"], ex.CycleNodeIds.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("outer:inner")]
    [InlineData("12:34:56")]
    [InlineData("node.with.dots")]
    [InlineData("a.input.b")]
    [InlineData("ünï cødé id")]
    public void Set_OddNodeIds_SetsTheInputOfThatNode(string id)
    {
        var root = new JsonObject
        {
            [id] = JsonNode.Parse("""{"class_type":"CLIPTextEncode","inputs":{"text":"old"}}"""),
            ["x"] = JsonNode.Parse("""{"class_type":"CLIPTextEncode","inputs":{"text":"other"}}"""),
        };
        var workflow = Workflow.Parse(root.ToJsonString());

        var changed = workflow.Set($"{id}.inputs.text", "new").AddInput($"{id}.inputs.with.dot", 1);

        Assert.Equal("new", changed.Get($"{id}.inputs.text")!.GetValue<string>());
        Assert.Equal(1, changed.Get($"{id}.inputs.with.dot")!.GetValue<int>());
        Assert.Equal("other", changed.Get("x.inputs.text")!.GetValue<string>());
    }

    [Fact]
    public void Set_LinkToAnOddNodeId_IsALink()
    {
        var workflow = Workflow.Parse("""
            {"sub:1":{"class_type":"EmptyImage","inputs":{"width":8,"height":8,"batch_size":1,"color":0}},
             "sub:2.5":{"class_type":"PreviewImage","inputs":{}}}
            """);

        var linked = workflow.AddInput("sub:2.5.inputs.images", new NodeLink("sub:1", 0).ToJson());

        Assert.Equal("""["sub:1",0]""", linked.Get("sub:2.5.inputs.images")!.ToJsonString());
        Assert.True(linked.Validate(WorkflowFixtures.Catalog).IsValid);
    }

    [Fact]
    public void Set_ValueWrappedList_IsKeptAndNotTakenForALink()
    {
        var workflow = Workflow.Parse("""{"1":{"class_type":"X","inputs":{}}}""");

        var changed = workflow.AddInput("1.inputs.list", JsonNode.Parse("""{"__value__":[["2",0],1,"a"]}"""));

        Assert.Equal("""{"__value__":[["2",0],1,"a"]}""", changed.Get("1.inputs.list")!.ToJsonString());
        Assert.Throws<ArgumentException>(() => workflow.AddInput("1.inputs.list", JsonNode.Parse("""[1,2,3]""")));
    }

    [Fact]
    public void Bypass_ABypassedNodeFeedingABypassedNode_RewiresTheConsumerToTheFirstSourceInEitherOrder()
    {
        var workflow = Workflow.Parse(Chain(3));

        var forward = workflow.Bypass("1").Bypass("2");
        var backward = workflow.Bypass("2").Bypass("1");
        var withSchema = workflow.Bypass("2", WorkflowFixtures.Catalog).Bypass("1", WorkflowFixtures.Catalog);

        foreach (var bypassed in new[] { forward, backward, withSchema })
        {
            Assert.Equal("""["0",0]""", bypassed.Get("3.inputs.image")!.ToJsonString());
            Assert.Equal(["0", "3", "out"], bypassed.NodeIds);
            Assert.True(bypassed.Validate(WorkflowFixtures.Catalog).IsValid);
        }
    }

    [Fact]
    public void Hash_NestedObjectKeysReordered_IsTheSame()
    {
        var a = Workflow.Parse("""
            {"1":{"class_type":"X","_meta":{"title":"t","b":1},"inputs":{"cfg":{"a":1,"b":{"c":[1,{"d":2,"e":3}]}},"m":["2",0]}},
             "2":{"inputs":{"ckpt_name":"a.safetensors"},"class_type":"Y"}}
            """);
        var b = Workflow.Parse("""
            {"2":{"class_type":"Y","inputs":{"ckpt_name":"a.safetensors"}},
             "1":{"inputs":{"m":["2",0],"cfg":{"b":{"c":[1,{"e":3,"d":2}]},"a":1}},"_meta":{"b":1,"title":"t"},"class_type":"X"}}
            """);

        Assert.Equal(a.Hash, b.Hash);
        Assert.NotEqual(a.Hash, a.Set("1.inputs.m", new NodeLink("2", 1)).Hash);
    }
}
