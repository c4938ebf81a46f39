using System.Text.Json;
using ComfyNodes;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Generators.Tests;

/// <summary>
/// The SD 1.5 text-to-image graph written with the nodes generated into this project (the generator is its analyzer)
/// is the same prompt as the exported txt2img_sd15.json and as the untyped builder's.
/// </summary>
public sealed class Txt2ImgTests
{
    private const string Checkpoint = "v1-5-pruned-emaonly.safetensors";

    internal static Workflow Typed(ComfyGraph? graph = null, long seed = 156680208700286)
    {
        var g = graph ?? new ComfyGraph();
        var ckpt = g.CheckpointLoaderSimple(ckptName: Checkpoint, nodeId: "4");
        var latent = g.EmptyLatentImage(width: 512, height: 512, batchSize: 1, nodeId: "5");
        var positive = g.CLIPTextEncode(
            text: "beautiful scenery nature glass bottle landscape, purple galaxy bottle", clip: ckpt.Clip,
            nodeTitle: "CLIP Text Encode (Positive Prompt)", nodeId: "6");
        var negative = g.CLIPTextEncode(text: "text, watermark", clip: ckpt.Clip, nodeTitle: "CLIP Text Encode (Negative Prompt)", nodeId: "7");
        var sampled = g.KSampler(
            model: ckpt.Model, positive: positive.Conditioning, negative: negative.Conditioning, latentImage: latent.Latent,
            seed: seed, steps: 20, cfg: 8, samplerName: ComfyNodes.Sampling.KSampler.SamplerNameOptions.Euler,
            scheduler: ComfyNodes.Sampling.KSampler.SchedulerOptions.Normal, denoise: 1, nodeId: "3");
        var image = g.VAEDecode(samples: sampled.Latent, vae: ckpt.Vae, nodeId: "8");
        g.SaveImage(images: image.Image, filenamePrefix: "ComfyUI", nodeId: "9");
        return g.Build();
    }

    [Fact]
    public void TypedTxt2Img_EqualsTheExportedWorkflow()
    {
        var exported = Workflow.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "txt2img_sd15.json"));

        AssertSameJson(exported, Typed());
    }

    [Fact]
    public void TypedTxt2Img_EqualsTheUntypedBuilder()
    {
        var builder = new WorkflowBuilder();
        var ckpt = builder.AddNode("CheckpointLoaderSimple", "Load Checkpoint", "4").Set("ckpt_name", Checkpoint);
        var latent = builder.AddNode("EmptyLatentImage", "Empty Latent Image", "5").Set("width", 512).Set("height", 512).Set("batch_size", 1);
        var positive = builder.AddNode("CLIPTextEncode", "CLIP Text Encode (Positive Prompt)", "6")
            .Set("text", "beautiful scenery nature glass bottle landscape, purple galaxy bottle").Connect("clip", ckpt.Output(1));
        var negative = builder.AddNode("CLIPTextEncode", "CLIP Text Encode (Negative Prompt)", "7").Set("text", "text, watermark").Connect("clip", ckpt.Output(1));
        var sampler = builder.AddNode("KSampler", "KSampler", "3")
            .Connect("model", ckpt.Output(0)).Set("seed", 156680208700286).Set("steps", 20).Set("cfg", 8.0).Set("sampler_name", "euler")
            .Set("scheduler", "normal").Connect("positive", positive.Output(0)).Connect("negative", negative.Output(0))
            .Connect("latent_image", latent.Output(0)).Set("denoise", 1.0);
        var decode = builder.AddNode("VAEDecode", "VAE Decode", "8").Connect("samples", sampler.Output(0)).Connect("vae", ckpt.Output(2));
        builder.AddNode("SaveImage", "Save Image", "9").Set("filename_prefix", "ComfyUI").Connect("images", decode.Output(0));

        AssertSameJson(builder.Build(), Typed());
    }

    [Fact]
    public void TypedTxt2Img_ValidatesAgainstTheSnapshot()
    {
        var catalog = NodeSchemaCatalog.Parse(GeneratorHarness.Snapshot)
            .WithComboOptions("CheckpointLoaderSimple", "ckpt_name", [Checkpoint]);   // the snapshot's model folders were empty

        var result = Typed(seed: Workflow.RandomSeed).Validate(catalog);

        Assert.True(result.IsValid, result.ToString());
    }

    [Fact]
    public void OutputOfAnotherGraph_Linked_ThrowsNamingBothNodes()
    {
        var other = new ComfyGraph().CheckpointLoaderSimple(ckptName: Checkpoint);   // node "1" of another graph
        var g = new ComfyGraph();
        g.CheckpointLoaderSimple(ckptName: Checkpoint);                              // node "1" of this one

        var error = Assert.Throws<ArgumentException>(() => g.CLIPTextEncode(text: "a cat", clip: other.Clip));

        Assert.Contains("Input 'clip'", error.Message, StringComparison.Ordinal);
        Assert.Contains("another graph", error.Message, StringComparison.Ordinal);
        Assert.Single(g.Builder.Nodes);   // the rejected node was not added
    }

    private static void AssertSameJson(Workflow expected, Workflow actual)
    {
        using var left = JsonDocument.Parse(expected.ToJson());
        using var right = JsonDocument.Parse(actual.ToJson());
        Assert.True(JsonElement.DeepEquals(left.RootElement, right.RootElement), $"expected\n{expected.ToJson()}\nactual\n{actual.ToJson()}");
    }
}
