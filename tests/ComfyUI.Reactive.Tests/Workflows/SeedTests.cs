using System.Text.Json.Nodes;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Tests.Workflows;

public class SeedTests
{
    private static Workflow RandomTxt2Img => WorkflowFixtures.Load("txt2img_sd15.json").Set("3.inputs.seed", -1);

    [Fact]
    public void Render_MinusOneSeed_DrawsADifferentSeedEveryRun()
    {
        var workflow = RandomTxt2Img;

        var seeds = Enumerable.Range(0, 20).Select(_ => (long)workflow.Render()["3"]!["inputs"]!["seed"]!).ToList();

        Assert.True(workflow.HasRandomSeeds);
        Assert.All(seeds, s => Assert.InRange(s, 0, (1L << 50) - 1));
        Assert.True(seeds.Distinct().Count() > 1);
        Assert.NotEqual(seeds[0], seeds[1]);
        Assert.Equal(-1, (long)workflow.Get("3.inputs.seed")!);
    }

    [Fact]
    public void ToPromptJson_MinusOneSeed_DiffersBetweenTwoRunsOfOneWorkflow()
    {
        var workflow = RandomTxt2Img;

        var first = JsonNode.Parse(workflow.ToPromptJson())!;
        var second = JsonNode.Parse(workflow.ToPromptJson())!;

        Assert.NotEqual((long)first["3"]!["inputs"]!["seed"]!, (long)second["3"]!["inputs"]!["seed"]!);
        Assert.Equal(workflow.Hash, Workflow.Parse(first).Hash);
    }

    [Fact]
    public void ToPromptJson_FixedSeed_IsTheWorkflowUnchanged()
    {
        var workflow = WorkflowFixtures.Load("txt2img_sd15.json");

        Assert.False(workflow.HasRandomSeeds);
        Assert.Equal(workflow.ToJson(), workflow.ToPromptJson());
        Assert.Equal(156680208700286, (long)workflow.Render()["3"]!["inputs"]!["seed"]!);
    }

    [Fact]
    public void RandomizeSeeds_MarksSeedAndNoiseSeedButNotLinksOrOtherInputs()
    {
        var workflow = Workflow.Parse("""
            {"1":{"class_type":"KSampler","inputs":{"seed":5,"steps":20}},
             "2":{"class_type":"KSamplerAdvanced","inputs":{"noise_seed":7}},
             "3":{"class_type":"X","inputs":{"seed":["1",0]}}}
            """);

        var randomized = workflow.RandomizeSeeds();
        var run = randomized.Render();

        Assert.Equal(-1, (long)randomized.Get("1.inputs.seed")!);
        Assert.Equal(-1, (long)randomized.Get("2.inputs.noise_seed")!);
        Assert.Equal("""["1",0]""", randomized.Get("3.inputs.seed")!.ToJsonString());
        Assert.Equal(20, (int)randomized.Get("1.inputs.steps")!);
        Assert.NotEqual(-1, (long)run["1"]!["inputs"]!["seed"]!);
        Assert.NotEqual(-1, (long)run["2"]!["inputs"]!["noise_seed"]!);
        Assert.Equal(5, (long)workflow.Get("1.inputs.seed")!);
    }

    [Fact]
    public void Render_WithSchema_KeepsDrawnSeedsWithinTheInputsRange()
    {
        var catalog = NodeSchemaCatalog.Parse("""{"Tiny":{"input":{"required":{"seed":["INT",{"min":10,"max":12}]}},"output":[],"output_node":true}}""");
        var workflow = Workflow.Parse("""{"1":{"class_type":"Tiny","inputs":{"seed":-1}}}""");

        var seeds = Enumerable.Range(0, 50).Select(_ => (long)workflow.Render(catalog)["1"]!["inputs"]!["seed"]!);

        Assert.All(seeds, s => Assert.InRange(s, 10, 12));
    }

    [Fact]
    public void Validate_MinusOneSeed_IsCheckedAsADrawnSeedNotAsBelowMin()
    {
        var catalog = WorkflowFixtures.Catalog.WithComboOptions("CheckpointLoaderSimple", "ckpt_name", ["v1-5-pruned-emaonly.safetensors"]);

        Assert.True(RandomTxt2Img.Validate(catalog).IsValid);
    }

    [Fact]
    public async Task Render_ConcurrentRunsOfOneWorkflow_DoNotAffectEachOther()
    {
        var workflow = RandomTxt2Img;
        using var start = new ManualResetEventSlim();

        var runs = Enumerable.Range(0, 8).Select(i => Task.Run(() =>
        {
            start.Wait(TimeSpan.FromSeconds(10));
            var results = new List<JsonObject>();
            for (var n = 0; n < 50; n++)
            {
                var prompt = workflow.Render();

                // Each run edits its own copy, as a job layer would (e.g. per-run text).
                prompt["6"]!["inputs"]!["text"] = $"run {i}.{n}";
                results.Add(prompt);
            }

            return results;
        })).ToList();
        start.Set();
        var all = (await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(30))).SelectMany(r => r).ToList();

        Assert.Equal(400, all.Count);
        Assert.Equal(400, all.Select(p => (string)p["6"]!["inputs"]!["text"]!).Distinct().Count());
        Assert.True(all.Select(p => (long)p["3"]!["inputs"]!["seed"]!).Distinct().Count() > 390);
        Assert.Equal("beautiful scenery nature glass bottle landscape, purple galaxy bottle", (string?)workflow.Get("6.inputs.text"));
        Assert.Equal(-1, (long)workflow.Get("3.inputs.seed")!);
    }
}
