using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Tests.Workflows;

public class StructuralHashTests
{
    private static readonly Workflow Base = WorkflowFixtures.Load("txt2img_sd15.json");

    public static TheoryData<string, Func<Workflow, Workflow>> Stable() => new()
    {
        { "prompt text", w => w.Set("6.inputs.text", "a lighthouse at dusk") },
        { "negative text", w => w.SetByTitle("CLIP Text Encode (Negative Prompt)", "text", "blurry") },
        { "seed", w => w.Set("3.inputs.seed", 42) },
        { "random seed", w => w.RandomizeSeeds() },
        { "steps", w => w.Set("3.inputs.steps", 35) },
        { "cfg", w => w.Set("3.inputs.cfg", 6.5) },
        { "width and height", w => w.Set("5.inputs.width", 768).Set("5.inputs.height", 1024) },
        { "batch size", w => w.Set("5.inputs.batch_size", 4) },
        { "sampler (a combo, not a model)", w => w.Set("3.inputs.sampler_name", "dpmpp_2m") },
        { "filename prefix", w => w.Set("9.inputs.filename_prefix", "other") },
        { "output alias", w => w.Output("images", "9") },
        { "_meta title", w => Workflow.Parse(w.ToJson().Replace("\"Load Checkpoint\"", "\"My loader\"", StringComparison.Ordinal)) },
        { "key order", w => Reordered(w) },
    };

    public static TheoryData<string, Func<Workflow, Workflow>> Sensitive() => new()
    {
        { "checkpoint file", w => w.Set("4.inputs.ckpt_name", "sd_xl_base_1.0.safetensors") },
        { "class type", w => Workflow.Parse(w.ToJson().Replace("\"KSampler\"", "\"KSamplerAdvanced\"", StringComparison.Ordinal)) },
        { "link source", w => w.Set("3.inputs.positive", new NodeLink("7", 0)).Set("3.inputs.negative", new NodeLink("6", 0)) },
        { "link slot", w => w.Set("8.inputs.vae", new NodeLink("4", 0)) },
        { "scalar becomes link", w => w.Set("3.inputs.steps", new NodeLink("5", 0)) },
        { "node removed", w => w.Bypass("8") },
        { "input added", w => w.AddInput("3.inputs.extra", 1) },
        { "model file in any input", w => w.Set("6.inputs.text", "custom.safetensors") },
    };

    [Theory]
    [MemberData(nameof(Stable))]
    public void Hash_ChangeThatIsNotStructural_IsStable(string change, Func<Workflow, Workflow> edit)
    {
        Assert.True(Base.Hash == edit(Base).Hash, $"hash changed with {change}");
    }

    [Theory]
    [MemberData(nameof(Sensitive))]
    public void Hash_StructuralChange_Changes(string change, Func<Workflow, Workflow> edit)
    {
        Assert.True(Base.Hash != edit(Base).Hash, $"hash did not change with {change}");
    }

    [Theory]
    [MemberData(nameof(Stable))]
    [MemberData(nameof(Sensitive))]
    public void Hash_CarriedOverByAnEdit_EqualsTheHashComputedAfresh(string change, Func<Workflow, Workflow> edit)
    {
        // Set keeps a known hash when it changes only plain values (a batch's per-job prompt or seed): it must be the
        // hash a fresh parse of the edited JSON computes.
        var known = WorkflowFixtures.Load("txt2img_sd15.json");
        _ = known.Hash;

        var edited = edit(known);

        Assert.True(Workflow.Parse(edited.ToJson()).Hash == edited.Hash, $"carried hash is stale after {change}");
    }

    [Fact]
    public void Hash_ValueEditsOfATemplate_ShareTheTemplatesHashInsteadOfHashingEachCopy()
    {
        // The batch pattern: one template, a new prompt per job. Nobody has read the template's hash.
        var template = WorkflowFixtures.Load("txt2img_sd15.json");

        var first = template.Set("6.inputs.text", "job 1");
        var second = template.Set("6.inputs.text", "job 2");

        Assert.True(first.HasHash && second.HasHash, "a value edit must carry the structural hash");
        Assert.Same(first.Hash, second.Hash);
        Assert.Same(template.Hash, first.Hash);
        Assert.Equal(Workflow.Parse(second.ToJson()).Hash, second.Hash);
        Assert.False(template.Set("4.inputs.ckpt_name", "other.safetensors").HasHash, "a structural edit must not carry it");
    }

    [Fact]
    public void Hash_IsLowercaseHexSha256AndRepeatable()
    {
        Assert.Matches("^[0-9a-f]{64}$", Base.Hash);
        Assert.Equal(Base.Hash, WorkflowFixtures.Load("txt2img_sd15.json").Hash);
        Assert.NotEqual(Base.Hash, WorkflowFixtures.Load("basic_empty_invert_save.json").Hash);
    }

    [Theory]
    [InlineData("ckpt_name", "model", true)]
    [InlineData("lora_name", "detail.safetensors", true)]
    [InlineData("vae_name", "vae-ft-mse", true)]
    [InlineData("clip_name2", "t5xxl.safetensors", true)]
    [InlineData("custom_loader_path", "model.GGUF", true)]
    [InlineData("model", "x.pth", true)]
    [InlineData("sampler_name", "euler", false)]
    [InlineData("scheduler", "normal", false)]
    [InlineData("text", "a cat", false)]
    [InlineData("image", "photo.png", false)]
    public void IsModelReference_Rule(string input, string value, bool expected) =>
        Assert.Equal(expected, Workflow.IsModelReference(input, value));

    private static Workflow Reordered(Workflow workflow)
    {
        // Same nodes, reversed node order and reversed input order.
        var root = System.Text.Json.Nodes.JsonNode.Parse(workflow.ToJson())!.AsObject();
        var reversed = new System.Text.Json.Nodes.JsonObject();
        foreach (var (id, node) in root.Reverse().ToList())
        {
            var copy = new System.Text.Json.Nodes.JsonObject();
            foreach (var (key, value) in node!.AsObject().Reverse().ToList())
            {
                copy[key] = key == "inputs"
                    ? new System.Text.Json.Nodes.JsonObject(value!.AsObject().Reverse().Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone())))
                    : value?.DeepClone();
            }

            reversed[id] = copy;
        }

        Assert.NotEqual(workflow.ToJson(), reversed.ToJsonString());
        return Workflow.Parse(reversed);
    }
}
