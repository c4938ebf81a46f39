// Typed nodes: the SD 1.5 text-to-image graph written against C# generated from the server's object_info, so a wrong
// link (a LATENT into a MODEL input), a misspelt input or a missing one is a compile error, not a 400 at run time.
//
//   dotnet run --project samples/ComfyUI.Reactive.TypedNodes                      embedded emulator
//   COMFYUI_URL=http://127.0.0.1:8188 dotnet run --project samples/ComfyUI.Reactive.TypedNodes
//   dotnet run --project samples/ComfyUI.Reactive.TypedNodes -- --write-object-info object_info.json
//       saves the server's object_info (the emulator's without COMFYUI_URL): the file the generator reads
using System.Reactive.Linq;
using ComfyNodes;
using ComfyUI.Reactive;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Workflows;

await using var emulator = Environment.GetEnvironmentVariable("COMFYUI_URL") is { Length: > 0 }
    ? null
    : await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.Zero });
var address = emulator?.BaseAddress ?? new Uri(Environment.GetEnvironmentVariable("COMFYUI_URL")!);
await using var comfy = new ComfyClient(address);

try
{
    if (args is ["--write-object-info", var path])
    {
        await File.WriteAllTextAsync(path, await comfy.Api.GetObjectInfoJsonAsync());
        // The generator reads AdditionalFiles named object_info.json or NAME.object_info.json (docs/typed-nodes.md).
        Console.WriteLine($"Wrote {Path.GetFullPath(path)}. Add it to a project as <AdditionalFiles Include=\"{Path.GetFileName(path)}\" /> " +
            "(named object_info.json or NAME.object_info.json) with the ComfyUI.Reactive.Generators analyzer to get typed nodes.");
        return 0;
    }

    var g = new ComfyGraph();
    var ckpt = g.CheckpointLoaderSimple(ckptName: "v1-5-pruned-emaonly.safetensors");
    var positive = g.CLIPTextEncode(text: "a lighthouse on a cliff at dusk", clip: ckpt.Clip);
    var negative = g.CLIPTextEncode(text: "blurry, watermark", clip: ckpt.Clip);
    var latent = g.EmptyLatentImage(width: 512, height: 512);
    var sampled = g.KSampler(
        model: ckpt.Model, positive: positive.Conditioning, negative: negative.Conditioning, latentImage: latent.Latent,
        samplerName: ComfyNodes.Sampling.KSampler.SamplerNameOptions.Euler,
        scheduler: ComfyNodes.Sampling.KSampler.SchedulerOptions.Normal,
        seed: Workflow.RandomSeed, steps: 20);
    var image = g.VAEDecode(samples: sampled.Latent, vae: ckpt.Vae);
    var save = g.SaveImage(images: image.Image, filenamePrefix: "typed");

    // An ordinary Workflow: same JSON, same validation against this server's schemas, same Run.
    var workflow = g.Build();
    var validation = workflow.Validate(await comfy.GetNodeSchemaCatalogAsync());
    if (!validation.IsValid)
    {
        Console.Error.WriteLine($"The server would reject the graph: {validation}");
        return 4;
    }

    var result = await comfy.Run(workflow).OfType<JobCompleted>().Select(completed => completed.Result);
    var saved = await save.ImagesIn(result)[0].DownloadAsync("output", overwrite: true);
    Console.WriteLine($"Saved {saved}");
    return 0;
}
catch (ComfyException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}
