using System.Reactive.Linq;
using ComfyNodes;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Generators.Tests;

/// <summary>
/// A typed graph is an ordinary workflow: it validates against a live server's object_info and runs there (the
/// in-process emulator, over real sockets); its output node reads its images from the result.
/// </summary>
public sealed class EmulatorEndToEndTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task TypedTxt2Img_ValidatedAgainstTheServer_RunsAndSavesAnImage()
    {
        await using var server = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.Zero });
        await using var comfy = new ComfyClient(server.BaseAddress);
        var catalog = new NodeSchemaCatalog(await comfy.Api.GetObjectInfoAsync());

        var g = new ComfyGraph();
        var ckpt = g.CheckpointLoaderSimple(ckptName: "v1-5-pruned-emaonly.safetensors");
        var positive = g.CLIPTextEncode(text: "a lighthouse on a cliff at dusk", clip: ckpt.Clip);
        var negative = g.CLIPTextEncode(text: "blurry", clip: ckpt.Clip);
        var latent = g.EmptyLatentImage(width: 64, height: 64);
        var sampled = g.KSampler(
            model: ckpt.Model, positive: positive.Conditioning, negative: negative.Conditioning, latentImage: latent.Latent,
            samplerName: ComfyNodes.Sampling.KSampler.SamplerNameOptions.Euler, scheduler: ComfyNodes.Sampling.KSampler.SchedulerOptions.Normal,
            seed: Workflow.RandomSeed, steps: 4);
        var save = g.SaveImage(images: g.VAEDecode(samples: sampled.Latent, vae: ckpt.Vae).Image, filenamePrefix: "typed");
        var workflow = g.Build();

        var validation = workflow.Validate(catalog);
        Assert.True(validation.IsValid, validation.ToString());

        var result = await comfy.Run(workflow).OfType<JobCompleted>().Select(c => c.Result).Timeout(Limit);

        var image = Assert.Single(save.ImagesIn(result));
        Assert.StartsWith("typed", image.FileName, StringComparison.Ordinal);
        Assert.Same(result.Of(save), result.Outputs[save.Id]);
    }

    [Fact]
    public async Task ObjectInfoJson_FromTheServer_GeneratesOneMethodPerNode()
    {
        await using var server = await ComfyEmulator.StartAsync();
        await using var comfy = new ComfyClient(server.BaseAddress);

        var json = await comfy.Api.GetObjectInfoJsonAsync();
        var (output, diagnostics, _) = GeneratorHarness.Generate(json);

        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        // The emulator serves the real snapshot plus its own test nodes: one graph method per node it serves.
        var methods = output.GetTypeByMetadataName("ComfyNodes.ComfyGraph")!.GetMembers()
            .OfType<Microsoft.CodeAnalysis.IMethodSymbol>().Count(m => m.MethodKind == Microsoft.CodeAnalysis.MethodKind.Ordinary);
        Assert.Equal(NodeSchemaCatalog.Parse(json).Count, methods);
        Assert.True(methods >= 383, $"{methods} nodes");
    }
}
