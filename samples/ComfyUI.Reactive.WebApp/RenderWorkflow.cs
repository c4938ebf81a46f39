using System.Reflection;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Samples.WebApp;

/// <summary>
/// Turns a <see cref="RenderRequest"/> into a workflow. With a checkpoint (the default, <c>v1-5-pruned-emaonly.safetensors</c>,
/// which the embedded emulators simulate): the standard SD 1.5 text-to-image graph, whose sampler reports a progress
/// tick and a latent preview per step. Without one (<c>Render:Checkpoint</c> set to empty): a graph that needs no model
/// files on any ComfyUI (a colour picked from the prompt and seed, blurred three times, saved), with progress per node
/// but no previews, because only a sampler sends previews and a sampler needs a model.
/// </summary>
public sealed class RenderWorkflow
{
    /// <summary>The checkpoint of the default text-to-image graph.</summary>
    public const string DefaultCheckpoint = "v1-5-pruned-emaonly.safetensors";

    /// <summary>The alias of the output node that holds the picture.</summary>
    public const string ImageOutput = "image";

    private const string NoModelGraph = """
        {
          "1": { "class_type": "EmptyImage", "inputs": { "width": 512, "height": 512, "batch_size": 1, "color": 0 } },
          "2": { "class_type": "ImageBlur", "inputs": { "image": ["1", 0], "blur_radius": 4, "sigma": 2.0 } },
          "3": { "class_type": "ImageBlur", "inputs": { "image": ["2", 0], "blur_radius": 4, "sigma": 2.0 } },
          "4": { "class_type": "ImageBlur", "inputs": { "image": ["3", 0], "blur_radius": 4, "sigma": 2.0 } },
          "5": { "class_type": "SaveImage", "inputs": { "images": ["4", 0], "filename_prefix": "webapp" } }
        }
        """;

    private readonly Workflow _graph;
    private readonly bool _textToImage;

    /// <summary>Creates the builder.</summary>
    /// <param name="checkpoint">The checkpoint for text-to-image; null or empty for the graph without models.</param>
    public RenderWorkflow(string? checkpoint)
    {
        _textToImage = !string.IsNullOrEmpty(checkpoint);
        if (_textToImage)
        {
            using var json = Assembly.GetExecutingAssembly().GetManifestResourceStream("txt2img_sd15.json")!;
            _graph = Workflow.Parse(json)
                .Set("4.inputs.ckpt_name", checkpoint)
                .Set("9.inputs.filename_prefix", "webapp")
                .Output(ImageOutput, "9");
        }
        else
        {
            _graph = Workflow.Parse(NoModelGraph).Output(ImageOutput, "5");
        }
    }

    /// <summary>The workflow of one request (validated with <see cref="RenderRequest.Problems"/> before).</summary>
    /// <param name="request">The request.</param>
    /// <returns>The workflow.</returns>
    public Workflow Build(RenderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var width = request.Width ?? 512;
        var height = request.Height ?? 512;
        if (_textToImage)
        {
            var workflow = _graph
                .Set("6.inputs.text", request.Prompt)
                .Set("5.inputs.width", width)
                .Set("5.inputs.height", height);
            return request.Seed is { } seed ? workflow.Set("3.inputs.seed", seed) : workflow.RandomizeSeeds();
        }

        // The prompt and seed pick the colour, so that equal requests give equal pictures, as a seeded sampler would.
        var colour = (int)((uint)StableHash($"{request.Prompt}\n{request.Seed ?? Random.Shared.NextInt64()}") & 0xFFFFFF);
        return _graph
            .Set("1.inputs.width", width)
            .Set("1.inputs.height", height)
            .Set("1.inputs.color", colour);
    }

    private static int StableHash(string text)
    {
        // FNV-1a: string.GetHashCode differs per process.
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)hash;
    }
}
