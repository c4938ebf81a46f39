using Microsoft.CodeAnalysis;

namespace ComfyUI.Reactive.Generators.Tests;

/// <summary>Graphs the server would reject are rejected by the C# compiler instead (over the real snapshot).</summary>
public sealed class CompileErrorTests
{
    private const string Prelude = """
        using ComfyNodes;
        public static class UserGraph
        {
            public static void Build()
            {
                var g = new ComfyGraph();
                var ckpt = g.CheckpointLoaderSimple(ckptName: "v1-5-pruned-emaonly.safetensors");
                var positive = g.CLIPTextEncode(text: "a cat", clip: ckpt.Clip);
                var latent = g.EmptyLatentImage(width: 512, height: 512);
        """;

    private const string End = """
            }
        }
        """;

    [Fact]
    public void CorrectGraph_Compiles()
    {
        var errors = Errors("""
                    var sampled = g.KSampler(model: ckpt.Model, positive: positive.Conditioning, negative: positive.Conditioning,
                        latentImage: latent.Latent, samplerName: ComfyNodes.Sampling.KSampler.SamplerNameOptions.Euler, scheduler: "normal", steps: 20);
                    g.SaveImage(images: g.VAEDecode(samples: sampled.Latent, vae: ckpt.Vae).Image);
            """);

        Assert.Empty(errors);
    }

    [Fact]
    public void LatentIntoModelInput_DoesNotCompile()
    {
        var errors = Errors("""
                    g.KSampler(model: latent.Latent, positive: positive.Conditioning, negative: positive.Conditioning,
                        latentImage: latent.Latent, samplerName: "euler", scheduler: "normal");
            """);

        var error = Assert.Single(errors);
        Assert.Equal("CS1503", error.Id);   // cannot convert Output<Latent> to Output<Model>
        Assert.Contains("Latent", error.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void MisspeltInput_DoesNotCompile()
    {
        var errors = Errors("""
                    g.KSampler(model: ckpt.Model, positive: positive.Conditioning, negative: positive.Conditioning,
                        latentImage: latent.Latent, samplerName: "euler", scheduler: "normal", stpes: 20);
            """);

        Assert.Equal("CS1739", Assert.Single(errors).Id);   // no parameter named 'stpes'
    }

    [Fact]
    public void MissingRequiredInput_DoesNotCompile()
    {
        var errors = Errors("""
                    g.VAEDecode(samples: latent.Latent);
            """);

        Assert.Equal("CS7036", Assert.Single(errors).Id);   // no argument for required parameter 'vae'
    }

    [Fact]
    public void ResultOfANodeThatIsNotAnOutputNode_DoesNotCompile()
    {
        var errors = Errors("""
                    ComfyUI.Reactive.Jobs.JobResult result = null!;
                    _ = ComfyUI.Reactive.Jobs.TypedJobResults.Of(result, latent);
            """);

        Assert.Equal("CS1503", Assert.Single(errors).Id);
    }

    private static List<Diagnostic> Errors(string body)
    {
        var (output, _, _) = GeneratorHarness.Generate(GeneratorHarness.Snapshot, Prelude + "\n" + body + "\n" + End);
        return GeneratorHarness.UserErrors(output);
    }
}
